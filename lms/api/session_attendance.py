"""Room attendance: the rotating code, sign-in and sign-out, the attendance list."""
