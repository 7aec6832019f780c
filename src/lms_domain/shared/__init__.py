"""Pieces every area of the domain shares."""
