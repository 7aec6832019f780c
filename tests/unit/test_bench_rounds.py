"""The benchmark's rounds: each endpoint's figures are the medians of the rounds, errors add up,
and the report shows the rounds' range."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script(name: str) -> Any:
    """A module of scripts/ by its path (``bench`` is also the results' folder at the root)."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench, bench_report = _script("bench"), _script("bench_report")


def result(rps: float, p95: float, *, errors: int = 0, peak: float = 120.0) -> dict[str, Any]:
    return {
        "name": "enroll",
        "target": "write",
        "rps": rps,
        "p50_ms": 1000 / rps,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "requests": int(rps * 12),
        "errors": errors,
        "error_detail": {"status": errors, "timeout": 0},
        "rss_peak_mb": {"1": peak},
        "rss_mb": {"1": peak - 5},
    }


def test_each_figure_is_the_median_of_the_rounds_and_errors_add_up() -> None:
    rounds = [[result(1100, 40)], [result(1300, 20, errors=2, peak=151)], [result(1250, 30)]]
    (row,) = bench.combine(rounds)
    assert (row["rps"], row["p95_ms"], row["p99_ms"]) == (1250, 30, 60)
    assert row["errors"] == 2
    assert row["error_detail"] == {"status": 2, "timeout": 0}
    assert row["rss_peak_mb"] == {"1": 151}  # the worst round's memory, not a median
    assert [r["rps"] for r in row["runs"]] == [1100, 1300, 1250]
    assert bench_report.spread(row) == "1,100–1,300"
    met, goal = bench_report.verdict(row)
    assert not met  # errors and memory both miss, whatever the median
    assert goal == ">= 1,200 req/s, 0 errors"


def test_a_single_round_has_no_range() -> None:
    (row,) = bench.combine([[result(900, 10)]])
    assert bench_report.spread(row) == "–"
    assert not bench_report.verdict(row)[0]  # below 1,200


def test_a_profiles_shares_count_self_time_by_package_and_inclusive_time_by_marker() -> None:
    shares = _script("profile_shares")
    site = "/srv/venv/lib/python3.11/site-packages"
    raw = "\n".join(
        [
            f"run (/usr/lib/python3.11/asyncio/base_events.py:600);handle ({site}/litestar/app.py:10);"
            f"get (/srv/src/lms_http/controllers/users.py:40);execute ({site}/redis/asyncio/client.py:5) 6",
            "run (/usr/lib/python3.11/asyncio/base_events.py:600);"
            "write (/srv/src/lms_http/observability.py:3) 3",
            "run (/usr/lib/python3.11/asyncio/base_events.py:600) 1",
            "run (asyncio/base_events.py:600);start_soon (anyio/_backends/_asyncio.py:9) 2",
            "not a stack line",
        ]
    )
    total, own, under = shares.shares(raw)
    assert total == 12
    assert own == {"redis": 6, "lms_http": 3, "stdlib:asyncio": 1, "anyio": 2}
    assert (
        under["Redis client"] == 6 and under["request logging (access lines)"] == 3 and under["Litestar"] == 6
    )
    assert under["anyio task groups (Litestar's dependency batches)"] == 2
