"""In-app notifications (and their email copies when SMTP is configured)."""
