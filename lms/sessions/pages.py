"""A session's page (book, cancel, my status), the coordinator's bookings and rooms,
visit requests, and the office's session management."""
