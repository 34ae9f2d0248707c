"""Accounts: people, their roles and hospitals, sign-in and API tokens."""
