"""The API of live broadcast (issue 14): stream keys."""
