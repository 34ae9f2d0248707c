"""The API of live broadcast (issue 14): viewers' questions and their moderation."""
