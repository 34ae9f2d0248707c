"""Media: probe, ladder planning, ffmpeg commands, runner, storage, transcode jobs."""
