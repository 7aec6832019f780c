"""In-process adapters that need no service: clock, ids, hashing, tokens, TOTP, counters."""
