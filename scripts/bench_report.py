"""Tables and the chart from ``bench/results.json``, and the issue's targets checked against it.

Usage: python scripts/bench_report.py [results.json] [chart.png]   (prints the Markdown tables,
draws the chart; ``make bench`` runs it after the benchmark)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The targets (2 cores, wrk beside the server, 32 connections, 1 worker).
TARGETS: dict[str, dict[str, float]] = {
    "list": {"rps": 2000, "p99_ms": 50},
    "get": {"rps": 2500},
    "signed-in": {"rps": 2500},  # a student's course list and course page
    "write": {"rps": 800},
    "quiz": {"pairs_per_s": 400},
    "analytics": {"p95_ms": 100},
    "analytics-system": {"p95_ms": 250},
    "health-beside-login": {"p99_ms": 50},
}
RSS_LIMIT_MB = 150


def target_of(row: dict[str, Any]) -> dict[str, float]:
    if row["name"] == "health during logins":
        return TARGETS["health-beside-login"]
    return TARGETS.get(row.get("target") or "", {})


def verdict(row: dict[str, Any], *, memory: bool = True) -> tuple[bool, str]:
    """(met?, the target in words). Every endpoint must also answer without errors within the RSS limit."""
    goals = target_of(row)
    misses, words = [], []
    for key, limit in goals.items():
        if key in ("rps", "pairs_per_s"):
            words.append(f">= {limit:,.0f} {'req' if key == 'rps' else 'pairs'}/s")
            if row.get(key, 0) < limit:
                misses.append(key)
        else:
            words.append(f"{key.split('_')[0]} <= {limit:.0f} ms")
            if row[key] > limit:
                misses.append(key)
    words.append("0 errors")
    if row["errors"]:
        misses.append("errors")
    if memory and worst_rss(row) > RSS_LIMIT_MB:
        misses.append("rss")
    return not misses, ", ".join(words)


def worst_rss(row: dict[str, Any]) -> float:
    """The highest resident set of a process of the server during the run (its peak; results of
    benchmarks before the peak was sampled have only the size after the run)."""
    sizes = row.get("rss_peak_mb") or row.get("rss_mb") or {}
    return max(sizes.values(), default=0)


def rows_of(run: dict[str, Any]) -> list[list[str]]:
    out = []
    for row in run["endpoints"]:
        met, goal = verdict(row)
        after = max(row.get("rss_mb", {}).values(), default=0)
        peak = max(row.get("rss_peak_mb", {}).values(), default=0)
        out.append(
            [
                row["name"],
                f"{row['rps']:,.0f}",
                f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                str(row["errors"]),
                f"{peak:.0f}" if peak else "–",
                f"{after:.0f}",
                goal,
                "yes" if met else "**no**",
            ]
        )
    return out


HEADER = ["endpoint", "req/s", "p50 ms", "p99 ms", "errors", "peak RSS MB", "RSS after MB", "target", "met"]


def markdown_table(run: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows_of(run)]
    for name, why in run.get("skipped", {}).items():
        lines.append(f"| {name} | – | – | – | – | – | – | not measured: {why} | – |")
    if ratio := raw_line(run):
        lines += ["", ratio]
    return "\n".join(lines)


def raw_line(run: dict[str, Any]) -> str:
    """The service's /api/v1/health against the minimal ASGI app measured in the same run."""
    raw = run.get("raw_asgi")
    if not raw:
        return ""
    return (
        f"`/api/v1/health`: {raw['health_rps']:,.0f} req/s; the minimal ASGI app, same server and "
        f"workers, same run: {raw['raw_rps']:,.0f} req/s, {raw['raw_over_health']:.2f}x the service."
    )


def text_table(run: dict[str, Any]) -> str:
    rows = [HEADER, *[[c.replace("**", "") for c in r] for r in rows_of(run)]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for name, why in run.get("skipped", {}).items():
        lines.append(f"{name}: not measured ({why})")
    if ratio := raw_line(run):
        lines.append(ratio.replace("`", ""))
    return f"scale {run['scale']} ({run['rows']['enrollments']:,} enrollments), {run['date']}\n" + "\n".join(
        lines
    )


def growth_table(document: dict[str, Any]) -> str:
    """The same endpoints on the small and the large data set."""
    runs = document.get("runs", {})
    if "small" not in runs or "large" not in runs:
        return "(run the benchmark with BENCH_SCALE=small and BENCH_SCALE=large to compare)"
    small = {r["name"]: r for r in runs["small"]["endpoints"]}
    lines = [
        "| endpoint | p50 small ms | p50 large ms | p99 small ms | p99 large ms | p50 ratio | within 2x |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in runs["large"]["endpoints"]:
        base = small.get(row["name"])
        if base is None:
            continue
        ratio = row["p50_ms"] / max(base["p50_ms"], 0.001)
        lines.append(
            f"| {row['name']} | {base['p50_ms']:.1f} | {row['p50_ms']:.1f} | {base['p99_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {ratio:.2f} | {'yes' if ratio <= 2 else '**no**'} |"
        )
    return "\n".join(lines)


def draw(document: dict[str, Any], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = document["runs"]
    run = runs.get("large") or next(iter(runs.values()))
    rows = run["endpoints"]
    names = [r["name"] for r in rows]
    colours = [
        "#9e9e9e" if not target_of(r) else "#2e7d32" if verdict(r, memory=False)[0] else "#c62828"
        for r in rows
    ]
    worst = max((worst_rss(r) for r in rows), default=0)
    load = " ".join(run["machine"].get("load_average_before", []))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.45 * len(rows) + 2.2), sharey=True)
    y = list(range(len(rows)))[::-1]
    left.barh(y, [r["rps"] for r in rows], color=colours)
    for yi, r in zip(y, rows, strict=True):
        left.text(r["rps"], yi, f" {r['rps']:,.0f}", va="center", fontsize=8)
        goal = target_of(r).get("rps") or 2 * target_of(r).get("pairs_per_s", 0)  # a pair is 2 requests
        if goal:
            left.plot([goal, goal], [yi - 0.4, yi + 0.4], color="black", linewidth=1.5)
    left.set_yticks(y, names)
    left.set_xlabel("requests per second (black tick: target; quiz: 2 requests per pair)")
    left.set_title("Throughput")
    left.set_xlim(0, max(r["rps"] for r in rows) * 1.2)
    # The tail the target speaks of: p95 for the analytics, p99 everywhere else.
    tails = [r["p95_ms"] if "p95_ms" in target_of(r) else r["p99_ms"] for r in rows]
    right.barh(y, tails, color=colours, alpha=0.85, label="p99 (p95 where the target is p95)")
    right.barh(y, [r["p50_ms"] for r in rows], color="#555555", height=0.35, label="p50")
    for yi, r, tail in zip(y, rows, tails, strict=True):
        right.text(tail, yi, f" {tail:.0f}", va="center", fontsize=8)
        goal = target_of(r).get("p99_ms") or target_of(r).get("p95_ms")
        if goal:
            right.plot([goal, goal], [yi - 0.4, yi + 0.4], color="black", linewidth=1.5)
    right.set_xscale("log")
    right.set_xlabel("latency, ms (log scale; bar: p99 or p95, grey: p50)")
    right.set_title("Latency")
    right.legend(loc="lower right", fontsize=8)
    setup = run["setup"]
    fig.suptitle(
        f"LMS API on {run['machine']['cpus']} CPUs, {setup['workers']} worker, {setup['connections']} "
        f"connections, {run['rows']['enrollments']:,} enrollments ({run['scale']} data set) — "
        f"green: target met, red: missed, grey: no target\nhighest server RSS during a run: "
        f"{worst:.0f} MB (target <= {RSS_LIMIT_MB} MB); host load average before the run {load}",
        fontsize=10,
    )
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    chart = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "benchmarks.png"
    document = json.loads(source.read_text())
    for run in document["runs"].values():
        print(f"### {run['scale']} data set ({run['date']})\n")
        print(markdown_table(run))
        print()
    print("### small vs large\n")
    print(growth_table(document))
    draw(document, chart)
    print(f"\n(chart: {chart})", file=sys.stderr)


if __name__ == "__main__":
    main()
