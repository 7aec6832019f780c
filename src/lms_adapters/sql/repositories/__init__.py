"""Repositories: Core tables paired with row/entity functions. They never commit."""
