"""The benchmark's yardstick: a minimal ASGI app answering ``GET /api/v1/health`` with the body the
service answers (``{"status":"ok"}``), served the way ``lms serve`` serves the service (uvicorn, the
same worker count, the same HTTP protocol and options). ``scripts/bench.py`` measures it in the
same run as the service's ``/api/v1/health``: what the framework path costs is the difference.

Usage: python scripts/bench_raw_asgi.py   (LMS_HOST, LMS_PORT, LMS_WORKERS as for ``lms serve``)
"""

from __future__ import annotations

import os
from typing import Any

BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
MISSING = b'{"detail":"Not Found"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] != "/api/v1/health":
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(MISSING)).encode())]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": MISSING})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    import uvicorn

    from lms_http.http_protocol import BoundedHttpProtocol

    # the options of lms_http.cli.serve
    uvicorn.run(
        "bench_raw_asgi:app",
        host=os.environ.get("LMS_HOST", "127.0.0.1"),
        port=int(os.environ.get("LMS_PORT", "8001")),
        workers=int(os.environ.get("LMS_WORKERS") or 1),
        log_level=os.environ.get("LMS_LOG_LEVEL", "INFO").lower(),
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=30,
        access_log=False,
        http=BoundedHttpProtocol,
    )


if __name__ == "__main__":
    main()
