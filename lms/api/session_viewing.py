"""The API of live broadcast (issue 14): live viewing and its heartbeats."""
