"""Where a worker's time went, from a py-spy profile in ``raw`` form (collapsed stacks).

``make bench`` with ``BENCH_PROFILE=<endpoint>`` and ``BENCH_PROFILE_FORMAT=raw`` writes
``bench/profiles/<endpoint>-<scale>.txt``; this prints, for such a file, how busy the worker was
(samples against the rate and duration given) and the share of its busy time spent in each
package (the frame that was running: "self" time), then the share under a few frames of interest
wherever they were on the stack ("inclusive" time).

    python scripts/profile_shares.py bench/profiles/users-me-large.txt [--rate 200 --seconds 12]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# "function (path:line)" frames, the path in full or, as py-spy usually writes it, from the package
# on; the package is the first directory under site-packages or of the short form
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^:()]+)(?::\d+)?\)$")
_OURS = ("lms_domain", "lms_adapters", "lms_http", "lms_platform")
# inclusive shares worth seeing on their own: a substring of the frame's function or path
MARKERS = {
    "request logging (access lines)": "lms_http/observability",
    "JSON (msgspec)": "msgspec",
    "SQLAlchemy": "sqlalchemy/",
    "psycopg": "psycopg/",
    "Redis client": "redis/",
    "anyio task groups (Litestar's dependency batches)": "anyio/",
    "Litestar": "litestar/",
    "uvicorn (HTTP parsing, ASGI)": "uvicorn/",
}


def package(frame: str) -> str:
    found = _FRAME.match(frame.strip())
    path = found.group("path") if found else frame
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for ours in _OURS:
        if f"/{ours}/" in path or path.startswith(f"{ours}/"):
            return ours
    if "/lib/python3" in path:
        return "stdlib:" + path.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return path.split("/", 1)[0].removesuffix(".py")  # py-spy's short form: "uvicorn/server.py"


def shares(text: str) -> tuple[int, Counter[str], Counter[str]]:
    total, own, under = 0, Counter[str](), Counter[str]()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[package(frames[-1])] += n
        for name, marker in MARKERS.items():
            if any(marker in frame for frame in frames):
                under[name] += n
    return total, own, under


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--rate", type=int, default=200, help="samples per second py-spy took")
    parser.add_argument("--seconds", type=float, default=12.0, help="how long it sampled")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    total, own, under = shares(args.profile.read_text())
    if not total:
        raise SystemExit("no samples")
    print(f"busy: {total / (args.rate * args.seconds):.0%} of the run ({total} samples)")
    print("self time by package:")
    for name, n in own.most_common(args.top):
        print(f"  {n / total:6.1%}  {name}")
    print("inclusive:")
    for name, n in under.most_common():
        print(f"  {n / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
