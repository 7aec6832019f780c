"""Certificates of completion."""
