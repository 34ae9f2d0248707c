"""CME credits: rule sets, ledger, transcripts, certificates and their verification."""
