"""In-memory adapters: fakes for unit tests and for embedders' own test suites."""
