"""The home page, the per-role dashboard and the language switch."""
