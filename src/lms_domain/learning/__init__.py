"""Enrollments in courses and the progress of their students."""
