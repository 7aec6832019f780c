"""The audit log as admins read it (entries are written by every area through its unit of work)."""
