"""Thin controllers: parse, call one use case, shape the answer."""
