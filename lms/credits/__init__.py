"""Credits and certificates on the web: transcripts, downloads, public verification
and the CME office's pages."""
