"""The background worker: one process per queue lane, a supervisor that restarts
them, and the heartbeat the office's page reads."""
