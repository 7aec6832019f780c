"""Uploaded files: metadata in the database, bytes in a blob store."""
