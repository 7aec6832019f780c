"""Courses and their lessons: authoring, publishing and who may see what."""
