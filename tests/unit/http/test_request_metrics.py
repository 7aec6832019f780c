"""The request metrics keep the series Litestar's Prometheus middleware wrote: the same names, labels
(the in-progress gauge labelled with status 200, as it was) and an error count from status 500 on."""

from __future__ import annotations

from prometheus_client import REGISTRY

from lms_http.observability import RequestMetrics


def sample(name: str, route: str, status: int) -> float | None:
    labels = {"method": "GET", "path": route, "status_code": str(status), "app_name": "lms"}
    return REGISTRY.get_sample_value(name, labels)


def test_counts_durations_errors_and_requests_in_progress() -> None:
    metrics, route = RequestMetrics(), "/test/metrics/{id}"
    again = RequestMetrics()  # a second app in the process shares the series
    first = metrics.started("GET", route)
    second = again.started("GET", route)
    assert sample("lms_requests_in_progress", route, 200) == 2
    metrics.finished(first, "GET", route, 200, 0.02)
    again.finished(second, "GET", route, 503, 0.5)
    assert sample("lms_requests_in_progress", route, 200) == 0
    assert sample("lms_requests_total", route, 200) == 1
    assert sample("lms_requests_total", route, 503) == 1
    assert sample("lms_request_duration_seconds_count", route, 200) == 1
    assert sample("lms_request_duration_seconds_sum", route, 503) == 0.5
    assert sample("lms_request_duration_seconds_bucket", route, 200) is None  # buckets carry "le"
    assert (
        REGISTRY.get_sample_value(
            "lms_request_duration_seconds_bucket",
            {"method": "GET", "path": route, "status_code": "200", "app_name": "lms", "le": "0.025"},
        )
        == 1
    )
    assert sample("lms_requests_error_total", route, 503) == 1
    assert sample("lms_requests_error_total", route, 200) is None
