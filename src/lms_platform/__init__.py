"""Ports of the platform the LMS runs on, and the code around them: no rules of the LMS itself.

Idempotency keys, rate limits, version stamps, readiness probes, download headers and the
sharing of one computation between concurrent requests: the adapters implement these ports and
the HTTP layer uses them, while ``lms_domain`` never needs them. Standard library only, like the
domain; neither package imports the other.
"""
