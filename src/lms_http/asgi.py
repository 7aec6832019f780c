"""The ASGI application for servers (``uvicorn lms_http.asgi:app``)."""

from __future__ import annotations

import sys

from lms_http.app import create_app
from lms_http.memory import freeze_startup_objects, return_large_blocks
from lms_http.observability import configure_logging
from lms_http.settings import ConfigError, load_settings

try:
    settings = load_settings()
except ConfigError as e:
    print(f"configuration error: {e}", file=sys.stderr)
    raise SystemExit(2) from None

configure_logging(settings.log_level)
return_large_blocks()  # before any request: argon2's buffers go back to the system after each hash
app = create_app(settings)
app.on_startup.append(freeze_startup_objects)  # last: after the app's own startup work
