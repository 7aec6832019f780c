"""The Litestar application factory."""

from __future__ import annotations

import logging
from operator import attrgetter
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, Router, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import SerializationException
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from lms_http.auth import provide_actor, provide_optional_actor, request_context
from lms_http.container import Container, use_cases
from lms_http.controllers.analytics import AnalyticsController
from lms_http.controllers.assessment import (
    AttemptController,
    CourseBankController,
    QuestionBankController,
    QuizController,
)
from lms_http.controllers.audit import AuditLogController
from lms_http.controllers.auth import AuthController
from lms_http.controllers.catalog import CourseController, LessonController
from lms_http.controllers.credentials import CertificateController, IssuerController, StatusListController
from lms_http.controllers.files import FileBlobController, FileController
from lms_http.controllers.gradebook import GradebookController
from lms_http.controllers.health import HealthController
from lms_http.controllers.learning import EnrollmentController
from lms_http.controllers.users import UserController
from lms_http.controllers.webhooks import WebhookController
from lms_http.deliveries import DeliveryWorker
from lms_http.docs_ui import swagger_assets, swagger_ui
from lms_http.errors import exception_handlers, outage_handlers, validation_response
from lms_http.idempotency import make_idempotency_middleware
from lms_http.middleware import find_bad_value, make_api_middleware, make_edge_middleware
from lms_http.names import API_PREFIX
from lms_http.observability import RequestMetrics, flush_logs, metrics_route, track_pool
from lms_http.openapi import document_bounds, document_security, fix_openapi
from lms_http.public_cache import make_public_cache_middleware
from lms_http.settings import Settings
from lms_http.strict_body import check_body_types

__all__ = ["create_app"]

MAX_JSON_BODY = 1024 * 1024
# bodies the JSON guard leaves alone (uploads); every other body is checked as JSON
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
log = logging.getLogger("lms")


def _provider(factory: Any) -> Provide:
    return Provide(lambda: factory(), sync_to_thread=False)


def _refuse(loc: list[str | int], message: str) -> Response[Any]:
    return validation_response([{"loc": loc, "msg": message, "type": "value_error"}])


async def _guard_input(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """422 for NUL characters anywhere, for NaN, infinite or beyond-64-bit numbers in JSON bodies,
    for JSON nested too deeply, and for bodies that are not exactly of the handler's type."""
    if b"%00" in request.scope.get("query_string", b""):
        return _refuse(["query"], "Text must not contain NUL characters")
    if "\x00" in request.scope["path"]:
        return _refuse(["path"], "Text must not contain NUL characters")
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.headers.get("content-type", "")
    takes_body = "data" in request.route_handler.parsed_fn_signature.parameters
    if content_type.startswith(_FORM_TYPES) or not (
        takes_body or content_type.startswith("application/json")
    ):
        return None
    body = await request.body()
    if not body:
        return None
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError as e:
        raise SerializationException(str(e)) from e
    except RecursionError:  # e.g. 10000 nested lists: refused before any handler decodes it
        return _refuse(["body"], "JSON is nested too deeply")
    if bad := find_bad_value(value):
        where, message = bad
        return _refuse(["body", *where], message)
    check_body_types(request, body)
    return None


def create_app(settings: Settings, container: Container | None = None) -> Litestar:
    container = container or Container(settings=settings)

    dependencies: dict[str, Provide] = {name: _provider(p) for name, p in use_cases(container).items()}
    dependencies.update(
        {
            "file_policy": _provider(container.file_policy),
            "certificate_policy": _provider(container.certificate_policy),
            "readiness": _provider(container.readiness),
            "system_reports": _provider(container.system_reports),
            "actor": Provide(provide_actor),
            "request_context": Provide(request_context, sync_to_thread=False),
            "optional_actor": Provide(provide_optional_actor),
        }
    )
    api = Router(
        API_PREFIX,
        route_handlers=[
            HealthController,
            AuthController,
            UserController,
            # files
            FileController,
            FileBlobController,
            # catalog and learning
            CourseController,
            LessonController,
            EnrollmentController,
            # credentials
            CertificateController,
            StatusListController,
            IssuerController,
            # assessment
            QuizController,
            AttemptController,
            CourseBankController,
            QuestionBankController,
            GradebookController,
            # analytics
            AnalyticsController,
            # events
            WebhookController,
            # the audit log
            AuditLogController,
        ],
        dependencies=dependencies,
    )

    @get("/openapi.json", include_in_schema=False, sync_to_thread=False)
    def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return request.app.openapi_schema.to_schema()

    deliveries = DeliveryWorker(container)

    async def on_startup(app: Litestar) -> None:
        fix_openapi(app.openapi_schema)
        document_security(app, app.openapi_schema)
        document_bounds(app.openapi_schema)
        track_pool(container.pool_counts())
        if settings.admin_email and settings.admin_password:
            await container.ensure_admin()(email=settings.admin_email, password=settings.admin_password)
        if settings.delivery_in_process:
            deliveries.start()

    async def on_shutdown(_: Litestar) -> None:
        try:
            await deliveries.stop()
            await container.sender().aclose()
            await container.xapi_sender().aclose()
            if settings.redis_url:
                await container.redis().aclose()
            await container.engine().dispose()
        finally:
            flush_logs()  # every access line of the requests served is written before the process ends

    openapi = OpenAPIConfig(
        title="LMS Backend",
        version="1.0.0",
        path="/docs",
        description=(
            "Courses, lessons, enrollments, quizzes, certificates and files, under /api/v1. "
            "Every GET operation also answers HEAD: the same status and headers, without the body."
        ),
        render_plugins=[swagger_ui()],  # its files from this service (works offline)
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{"BearerToken": []}],
    )
    app = Litestar(
        route_handlers=[api, openapi_json, metrics_route(settings), swagger_assets()],
        exception_handlers={**outage_handlers(container.database_down()), **exception_handlers},
        before_request=_guard_input,
        # Around each route, one layer: the request metrics, the rate limit, then idempotent POSTs
        # or cached catalog GETs (see make_api_middleware). The request id, headers, HEAD, OPTIONS
        # and the access line are the edge's, around the whole entry (below).
        middleware=[
            make_api_middleware(
                settings,
                container.rate_limiter,
                container.token_codec,
                posts=make_idempotency_middleware(
                    settings,
                    container.idempotency_store,
                    container.authenticate_caller,
                    container.login_throttle,
                ),
                gets=make_public_cache_middleware(container.stamps),
                session_reader=container.session_reading_limiter,
                stamp_reader=container.stamp_reading_limiter,
                metrics=RequestMetrics(prefix="lms", app_name="lms"),
            ),
        ],
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
        if settings.cors_origins
        else None,
        openapi_config=openapi,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=MAX_JSON_BODY,
        debug=False,
        # the process configures logging (lms_http.asgi); the app never replaces root handlers
        logging_config=LoggingConfig(configure_root_logger=False, log_exceptions="never"),
        state=State({"container": container}),
    )
    # Around the whole ASGI entry, not in `middleware` (which Litestar applies per route): the
    # router's own answers (404, 405) and CORS preflights get the security headers and an access
    # line too, HEAD is answered for every GET route and refused CORS preflights get a JSON body.
    app.asgi_handler = make_edge_middleware(settings, app.cors_config)(app.asgi_handler)
    resolve_dependencies_in_turn(app)
    return app


def resolve_dependencies_in_turn(app: Litestar) -> None:
    """Each route's dependencies are resolved one after another, never in a task group.

    Litestar resolves the dependencies of one level of a handler's dependency graph together, in an
    anyio task group, whenever there are two or more (here nearly always: the use case and the
    caller's authentication). Ours are cheap and settle without waiting on each other, so the group
    bought nothing and cost its tasks: a tenth of a signed-in request's time in the worker
    (``docs/benchmarks.md``). One level after another, in the same order, each dependency still
    comes after those it depends on.
    """
    for route in app.routes:
        handlers = getattr(route, "route_handler_map", {})
        for _, model in handlers.values():
            model.dependency_batches = [
                {dependency}
                for batch in model.dependency_batches
                for dependency in sorted(batch, key=attrgetter("key"))
            ]
