"""The LMS domain core: entities, value objects, ports and use cases.

This package depends on the Python standard library alone, so other services can
import it directly and plug in their own adapters (see ``lms_adapters.memory``).
"""
