"""Accounts, credentials, sessions and multi-factor authentication."""
