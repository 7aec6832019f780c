"""Swagger UI at ``/docs`` with its scripts, styles and icon served by this service, not a CDN, so the
page works without internet. The files come from ``swagger-ui-bundle-v2`` (Swagger UI's own
distribution files, locked in ``uv.lock``)."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

__all__ = ["ASSETS", "swagger_assets", "swagger_ui"]

ASSETS = "/docs/assets"


def swagger_ui() -> SwaggerRenderPlugin:
    """The ``/docs`` page, pointing at the files of :func:`swagger_assets`."""
    return SwaggerRenderPlugin(
        path="/",
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
    )


def swagger_assets() -> Router:
    """``/docs/assets/<file>``: Swagger UI's files, kept by browsers for a day."""
    return create_static_files_router(
        path=ASSETS,
        directories=[Path(str(swagger_ui_path))],
        name="swagger-ui-assets",
        cache_control=CacheControlHeader(max_age=86_400, public=True),
        include_in_schema=False,
    )
