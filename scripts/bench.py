"""The benchmark behind ``make bench``: seed, serve, load with wrk, record.

Steps: create (or reuse) the PostgreSQL database ``LMS_BENCH_DATABASE_URL``, seed it with
``lms seed-demo --scale $BENCH_SCALE`` (a no-op when already seeded), start ``lms serve`` on
PostgreSQL + Redis with ``LMS_WORKERS`` workers and the rate limits raised out of the way, log
in a few hundred seeded users, then run wrk (a separate process on loopback) against each
endpoint in ``ENDPOINTS`` and write ``bench/results.json`` plus a table on stdout.
Right after the service's ``/api/v1/health`` the same load goes to a minimal ASGI app
(scripts/bench_raw_asgi.py) served the same way, and the ratio of the two is reported. During
every run the peak resident set of each server process is taken (VmHWM, reset at the start,
and VmRSS sampled every 50 ms).
Rows written by the run (enrollments, completions, sessions) are removed at the end, so every
run measures the same data set. ``BENCH_RUNS`` rounds (default 3) are made, each with a server
started afresh; the results give each endpoint's median over the rounds (every figure on its own)
and each round's figures (``runs``), so the spread is on record.

The server runs from var/bench/venv (runtime dependencies only) when it exists.

Environment: BENCH_SCALE (small|large, default large), LMS_BENCH_DATABASE_URL,
LMS_BENCH_REDIS_URL, LMS_WORKERS (default 1), BENCH_DURATION (seconds per endpoint, default 12),
BENCH_CONNECTIONS (default 32), BENCH_THREADS (wrk threads, default 2), BENCH_ONLY (comma
separated endpoint names), BENCH_RUNS (rounds, default 3), BENCH_PROFILE (an endpoint name:
py-spy records the server during that run into bench/profiles/; BENCH_PROFILE_FORMAT=raw for
collapsed stacks that scripts/profile_shares.py reads), BENCH_LOG_LEVEL (the server's
LMS_LOG_LEVEL, default INFO: the service's default, one access line per request into
var/bench/server.log).
"""

from __future__ import annotations

import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_report import markdown_table, text_table  # noqa: E402

from lms_adapters.sql.seed import DEMO_PASSWORD, SEED_END  # noqa: E402

SCALE = os.environ.get("BENCH_SCALE", "large")
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/lms_bench" + ("" if SCALE == "large" else f"_{SCALE}")
DATABASE_URL = os.environ.get("LMS_BENCH_DATABASE_URL") or DEFAULT_DB
REDIS_URL = os.environ.get("LMS_BENCH_REDIS_URL") or "redis://127.0.0.1:6379/8"
WORKERS = int(os.environ.get("LMS_WORKERS") or 1)
DURATION = int(os.environ.get("BENCH_DURATION") or 12)
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS") or 32)
THREADS = int(os.environ.get("BENCH_THREADS") or 2)
ONLY = {n for n in (os.environ.get("BENCH_ONLY") or "").split(",") if n}
RUNS = max(1, int(os.environ.get("BENCH_RUNS") or 3))
# The figures of a result that are each the median of the rounds' (p50 of p50s, and so on).
MEDIAN_FIELDS = ("requests", "seconds", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "pairs", "pairs_per_s")
PROFILE = os.environ.get("BENCH_PROFILE") or ""
# py-spy's output: an SVG flame graph, or "raw" collapsed stacks for scripts/profile_shares.py
PROFILE_FORMAT = os.environ.get("BENCH_PROFILE_FORMAT") or "flamegraph"
# The service's default level: one access line per request, as deployed (in var/bench/server.log).
LOG_LEVEL = os.environ.get("BENCH_LOG_LEVEL") or "INFO"
# Each worker's resident set is sampled this often during a run, besides its peak (VmHWM).
RSS_SAMPLE_SECONDS = 0.05
RESULTS = ROOT / "bench" / "results.json"
LUA = ROOT / "bench" / "wrk" / "bench.lua"
# The server runs from an environment with the runtime dependencies only (``make bench`` builds
# var/bench/venv with ``uv sync --no-dev``), as in production: the development tools would add
# modules to its memory that a deployment does not load.
RUNTIME_LMS = ROOT / "var" / "bench" / "venv" / "bin" / "lms"
LMS = RUNTIME_LMS if RUNTIME_LMS.exists() else ROOT / ".venv" / "bin" / "lms"
STUDENTS = 400  # logged-in students whose tokens rotate
# RSS is read this long after an endpoint's run: "after the run", not while the logins wrk left
# queued are still hashing (each holds 19 MiB for argon2id until it is done).
SETTLE_SECONDS = 1.5
WARM_SECONDS = 2  # each GET endpoint's warm-up right before its run (writes are not repeated)
STUDENT_COURSES = 5  # enrolled courses per student for "get course (signed in)", and 5 others
ENROLL_PER_STUDENT = 120  # fresh (student, course) pairs for POST /enrollments


RAW_HEALTH = "health (raw ASGI app)"  # no comma: BENCH_ONLY names are comma-separated


@dataclass(frozen=True)
class Endpoint:
    """One measured endpoint. ``data`` names a prepared rows file; ``requires`` an OpenAPI path."""

    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    data: str | None = None
    token: int = 0
    requires: str | None = None
    target: str = ""
    connections: int = CONNECTIONS
    flow: str = ""  # "quiz": start + submit pairs (see bench/wrk/bench.lua)
    server: str = "lms"  # "raw": the minimal ASGI app of scripts/bench_raw_asgi.py


# The measured endpoints, in order. Later areas add theirs here: an entry whose ``requires``
# path is missing from /openapi.json is skipped with a note.
ENDPOINTS = [
    Endpoint("health", "/api/v1/health"),
    # the yardstick: a few lines of raw ASGI with the same answer, served the same way, right after
    Endpoint(RAW_HEALTH, "/api/v1/health", server="raw"),
    Endpoint("list courses p1", "/api/v1/courses?page=1", target="list"),
    Endpoint("list courses p200", "/api/v1/courses?page=200", target="list"),
    Endpoint("list courses filtered p1", "/api/v1/courses?category=programming&difficulty_level=beginner",
             target="list"),
    Endpoint("list courses filtered p10",
             "/api/v1/courses?category=programming&difficulty_level=beginner&page=10", target="list"),
    Endpoint("get course", "/api/v1/courses/$1", data="courses", target="get"),
    Endpoint("users/me", "/api/v1/users/me", data="students", token=1, target="me"),
    # students signed in: the same reads (their enrolled courses among the pages they open)
    Endpoint("list courses p1 (signed in)", "/api/v1/courses?page=1", data="students", token=1,
             target="signed-in"),
    Endpoint("get course (signed in)", "/api/v1/courses/$2", data="student_courses", token=1,
             target="signed-in"),
    Endpoint("my-courses", "/api/v1/enrollments/my-courses", data="students", token=1, target="write"),
    Endpoint("enroll", "/api/v1/enrollments", "POST", '{"course_id": "$2"}', data="enroll", token=1,
             target="write"),
    Endpoint("complete lesson", "/api/v1/enrollments/$2/lessons/$3/complete", "POST", "{}", data="complete",
             token=1, target="write"),
    Endpoint("quiz start + submit", "/api/v1/quizzes/{quiz_id}/attempts", "POST", data="quiz", flow="quiz",
             requires="/api/v1/attempts/{attempt_id}/submit", target="quiz"),
    Endpoint("login", "/api/v1/auth/login", "POST", '{"email": "$1", "password": "' + DEMO_PASSWORD + '"}',
             data="logins"),
    # Analytics (measured when the API has them).
    Endpoint("analytics student", "/api/v1/analytics/student", data="students", token=1,
             requires="/api/v1/analytics/student", target="analytics"),
    Endpoint("analytics instructor", "/api/v1/analytics/instructor", data="instructors", token=1,
             requires="/api/v1/analytics/instructor", target="analytics"),
    Endpoint("analytics course", "/api/v1/analytics/courses/$2/analytics", data="instructors", token=1,
             requires="/api/v1/analytics/courses/{course_id}/analytics", target="analytics"),
    Endpoint("analytics system", "/api/v1/analytics/system", data="admin", token=1,
             requires="/api/v1/analytics/system", target="analytics-system"),
]  # fmt: skip

# Measured while "login" saturates the CPU: a second wrk with two connections.
HEALTH_UNDER_LOGIN = Endpoint("health during logins", "/api/v1/health", connections=2)


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure_database() -> None:
    info = psycopg.conninfo.conninfo_to_dict(conninfo(DATABASE_URL))
    name = info["dbname"]
    admin = psycopg.conninfo.make_conninfo(conninfo(DATABASE_URL), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def lms_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATABASE_URL=DATABASE_URL,
        LMS_REDIS_URL=REDIS_URL,
        LMS_HOST="127.0.0.1",
        LMS_PORT=str(port),
        LMS_WORKERS=str(WORKERS),
        LMS_SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        LMS_RATE_LIMIT_AUTH="100000000/minute",
        LMS_RATE_LIMIT_DEFAULT="100000000/minute",
        LMS_ACCESS_TOKEN_MINUTES="240",
        LMS_LOG_LEVEL=LOG_LEVEL,
        LMS_VAR_DIR=str(ROOT / "var" / "bench"),
        LMS_STORAGE_DIR=str(ROOT / "var" / "bench" / "files"),
    )
    return env


def seed() -> None:
    log(f"seeding scale {SCALE} into {DATABASE_URL} (skipped when already there)")
    subprocess.run([str(LMS), "seed-demo", "--scale", SCALE], env=lms_env(8000), check=True, cwd=ROOT)  # noqa: S603


def cleanup() -> None:
    """Remove what a run wrote: the seed's own rows all lie before SEED_END."""
    with psycopg.connect(conninfo(DATABASE_URL), autocommit=True) as conn:
        conn.execute("DELETE FROM lesson_completions WHERE completed_at >= %s", (SEED_END,))
        conn.execute("DELETE FROM enrollments WHERE enrolled_at >= %s", (SEED_END,))
        conn.execute("UPDATE enrollments SET completed_at = NULL WHERE completed_at >= %s", (SEED_END,))
        conn.execute("DELETE FROM quiz_attempts WHERE started_at >= %s", (SEED_END,))
        conn.execute("DELETE FROM events WHERE occurred_at >= %s", (SEED_END,))  # and their deliveries
        conn.execute("DELETE FROM auth_sessions")
        conn.execute("UPDATE users SET last_login_at = NULL WHERE last_login_at IS NOT NULL")
        # The deleted rows leave dead tuples and pages no longer all-visible, which turns the next
        # run's index-only scans into heap visits: every run starts from a vacuumed data set.
        conn.execute("VACUUM (ANALYZE) enrollments, lesson_completions, quiz_attempts, users, auth_sessions")


def table_counts() -> dict[str, int]:
    names = ["users", "courses", "lessons", "enrollments", "lesson_completions", "quizzes", "questions",
             "quiz_attempts"]  # fmt: skip
    with psycopg.connect(conninfo(DATABASE_URL)) as conn:
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}  # noqa: S608  # type: ignore[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, command: list[str] | None = None, name: str = "server"
) -> subprocess.Popen[bytes]:
    """``lms serve`` (or ``command``) on ``port``, once it answers /api/v1/health."""
    log(f"starting {'lms serve' if command is None else name} on 127.0.0.1:{port} with {WORKERS} worker(s)")
    out = open(ROOT / "var" / "bench" / f"{name}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        command or [str(LMS), "serve"], env=lms_env(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{name} exited: see {ROOT / 'var' / 'bench' / f'{name}.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer /api/v1/health within 60 s")


def start_raw_server(port: int) -> subprocess.Popen[bytes]:
    """The minimal ASGI app (scripts/bench_raw_asgi.py) with the service's Python and uvicorn."""
    command = [str(LMS.parent / "python"), str(ROOT / "scripts" / "bench_raw_asgi.py")]
    return start_server(port, command, name="raw-asgi")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb(pid: int) -> dict[str, float]:
    """VmRSS of the server and each of its workers, in MB."""
    sizes = {}
    for p in process_tree(pid):
        kb = _status_kb(p, "VmRSS:")
        if kb is not None:
            sizes[str(p)] = round(kb / 1024, 1)
    return sizes


class PeakRss:
    """The highest resident set of the server and each of its workers during a run, in MB.

    At the start each process's peak (VmHWM) is reset (``/proc/<pid>/clear_refs``, 5); during the
    run a thread reads VmRSS every ``RSS_SAMPLE_SECONDS``; at the end the peak of each process is
    the larger of its VmHWM (exact, when the reset worked) and the highest sample."""

    def __init__(self, pid: int) -> None:
        self.pids = process_tree(pid)
        self.reset = all(self._reset(p) for p in self.pids)
        self.highest: dict[int, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _reset(pid: int) -> bool:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def _sample(self) -> None:
        while True:
            for p in self.pids:
                kb = _status_kb(p, "VmRSS:")
                if kb is not None and kb > self.highest.get(p, 0):
                    self.highest[p] = kb
            if self._done.wait(RSS_SAMPLE_SECONDS):
                return

    def stop(self) -> dict[str, float]:
        self._done.set()
        self._thread.join()
        peaks = {}
        for p in self.pids:
            hwm = _status_kb(p, "VmHWM:") if self.reset else None
            kb = max(hwm or 0, self.highest.get(p, 0))
            if kb:
                peaks[str(p)] = round(kb / 1024, 1)
        return peaks


# --- test data ---------------------------------------------------------------------------------


def login_all(base: str, emails: list[str]) -> list[str]:
    def one(email: str) -> str:
        r = httpx.post(
            f"{base}/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=30
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, emails))


def prepare_data(base: str, workdir: Path) -> dict[str, Path]:
    rng = random.Random(42)  # noqa: S311
    with psycopg.connect(conninfo(DATABASE_URL)) as conn:
        students = conn.execute(
            "SELECT id::text, email FROM users WHERE role = 'student' ORDER BY id LIMIT %s", (STUDENTS,)
        ).fetchall()
        published = [
            r[0]
            for r in conn.execute("SELECT id::text FROM courses WHERE is_published ORDER BY id").fetchall()
        ]
        enrolled = {
            (r[0], r[1])
            for r in conn.execute(
                "SELECT student_id::text, course_id::text FROM enrollments"
                " WHERE student_id = ANY(%s::uuid[])",
                ([s[0] for s in students],),
            ).fetchall()
        }
        todo = conn.execute(
            """SELECT e.student_id::text, e.id::text, l.id::text FROM enrollments e
               JOIN lessons l ON l.course_id = e.course_id
               WHERE e.student_id = ANY(%s::uuid[]) AND NOT EXISTS (
                 SELECT 1 FROM lesson_completions c WHERE c.enrollment_id = e.id AND c.lesson_id = l.id)""",
            ([s[0] for s in students],),
        ).fetchall()
        # Quizzes the students may start again and again: published, unlimited attempts, in an
        # enrolled course; the submit body answers every question (correctly).
        quiz_rows = conn.execute(
            """SELECT e.student_id::text, q.id::text,
                      json_build_object('answers', json_agg(json_build_object(
                        'question_id', qu.id, 'answer', qu.correct_answer) ORDER BY qu.position))::text
               FROM enrollments e JOIN quizzes q ON q.course_id = e.course_id
               JOIN questions qu ON qu.quiz_id = q.id
               WHERE e.student_id = ANY(%s::uuid[]) AND q.is_published AND q.max_attempts IS NULL
               GROUP BY e.student_id, q.id""",
            ([s[0] for s in students],),
        ).fetchall()
        instructors = conn.execute(
            """SELECT u.email, min(c.id::text) FROM users u JOIN courses c ON c.instructor_id = u.id
               WHERE u.role = 'instructor' GROUP BY u.email ORDER BY u.email LIMIT 50"""
        ).fetchall()
        logins = [
            r[0]
            for r in conn.execute(
                "SELECT email FROM users WHERE role = 'student' ORDER BY email LIMIT 5000"
            ).fetchall()
        ]
    log(f"logging in {len(students)} students, {len(instructors)} instructors and the admin")
    tokens = dict(zip([s[0] for s in students], login_all(base, [s[1] for s in students]), strict=True))
    instructor_tokens = login_all(base, [i[0] for i in instructors])
    admin_token = login_all(base, ["admin@demo.lms"])[0]

    enroll = []
    for student_id, token in tokens.items():
        picks = [c for c in rng.sample(published, min(len(published), ENROLL_PER_STUDENT * 2))
                 if (student_id, c) not in enrolled][:ENROLL_PER_STUDENT]  # fmt: skip
        enroll.extend((token, c) for c in picks)
    rng.shuffle(enroll)
    complete = [(tokens[s], e, lesson) for s, e, lesson in todo]
    rng.shuffle(complete)
    sample = rng.sample(published, min(2000, len(published)))
    # (token, course id): each student's enrolled courses among the sample, and as many others
    student_courses = []
    for student_id, token in tokens.items():
        mine = [c for c in sample if (student_id, c) in enrolled][:STUDENT_COURSES]
        others = rng.sample(sample, min(len(sample), STUDENT_COURSES * 2 - len(mine)))
        student_courses.extend((token, c) for c in mine + others)
    rng.shuffle(student_courses)
    rows: dict[str, list[tuple[str, ...]]] = {
        "courses": [(c,) for c in sample],
        "student_courses": student_courses,
        "students": [(t,) for t in tokens.values()],
        "enroll": enroll,
        "complete": complete,
        "logins": [(e,) for e in logins],
        "instructors": [(t, i[1]) for t, i in zip(instructor_tokens, instructors, strict=True)],
        "admin": [(admin_token,)],
        "quiz": [(tokens[s], q, s, body) for s, q, body in quiz_rows],
    }
    rng.shuffle(rows["quiz"])
    files = {}
    for name, data in rows.items():
        path = workdir / f"{name}.tsv"
        path.write_text("".join("\t".join(r) + "\n" for r in data))
        files[name] = path
    log(f"prepared {len(enroll):,} enrollments and {len(complete):,} lesson completions to make")
    return files


# --- running wrk ------------------------------------------------------------------------------------


@dataclass
class Run:
    endpoint: Endpoint
    process: subprocess.Popen[str]
    started: float = field(default_factory=time.monotonic)


def start_wrk(base: str, endpoint: Endpoint, files: dict[str, Path], duration: int) -> Run:
    env = dict(
        os.environ, BENCH_METHOD=endpoint.method, BENCH_PATH=endpoint.path, BENCH_TOKEN=str(endpoint.token)
    )
    threads = min(THREADS, endpoint.connections)
    env["BENCH_THREADS"] = str(threads)
    if endpoint.body is not None:
        env["BENCH_BODY"] = endpoint.body
    if endpoint.flow:
        env["BENCH_FLOW"] = endpoint.flow
    if endpoint.data:
        env["BENCH_DATA"] = str(files[endpoint.data])
    command = ["wrk", f"-t{threads}", f"-c{endpoint.connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(LUA), base]  # fmt: skip
    return Run(
        endpoint,
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),  # noqa: S603
    )


def finish_wrk(run: Run) -> dict[str, Any]:
    out, err = run.process.communicate()
    line = next((x for x in reversed(out.splitlines()) if x.startswith("{")), None)
    if run.process.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {run.endpoint.name}: {err or out}")
    raw = json.loads(line)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    lat = raw["latency_us"]
    return {
        "name": run.endpoint.name,
        "method": run.endpoint.method,
        "path": run.endpoint.path,
        "target": run.endpoint.target,
        "connections": run.endpoint.connections,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p95_ms": round(lat["p95"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "errors": errors,
        "error_detail": raw["errors"],
        **({"pairs": raw["submitted"], "pairs_per_s": round(raw["submitted"] / seconds, 1)}
           if run.endpoint.flow else {}),
    }  # fmt: skip


def profile(pid: int, name: str, duration: int) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(spy).exists():
        log("py-spy not installed: no profile")
        return None
    suffix = ".svg" if PROFILE_FORMAT == "flamegraph" else ".txt"
    target = ROOT / "bench" / "profiles" / f"{name.replace(' ', '-').replace('/', '-')}-{SCALE}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    pids = process_tree(pid)
    worker = pids[-1]  # with one worker the server is the worker
    return subprocess.Popen(  # noqa: S603
        [spy, "record", "-p", str(worker), "-d", str(duration), "-r", "200", "-o", str(target),
         "--nonblocking", "--format", PROFILE_FORMAT],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def openapi_paths(base: str) -> set[str]:
    for candidate in ("/docs/openapi.json", "/openapi.json", "/schema/openapi.json"):
        r = httpx.get(base + candidate, timeout=10)
        if r.status_code == 200:
            return set(r.json().get("paths", {}))
    raise SystemExit("no OpenAPI document found")


def skip_reason(endpoint: Endpoint, paths: set[str], files: dict[str, Path]) -> str | None:
    """Why an endpoint is not measured this run, or None."""
    if endpoint.requires and endpoint.requires not in paths:
        return f"{endpoint.requires} is not in /openapi.json"
    if endpoint.method == "POST" and endpoint.name != "login" and endpoint.data and not endpoint.flow:
        fresh = sum(1 for _ in files[endpoint.data].open())
        if fresh < 5_000:  # each request needs a row of its own, or it repeats (409)
            return f"only {fresh} fresh rows in this data set"
    return None


def measure(
    base: str, endpoint: Endpoint, files: dict[str, Path], server: subprocess.Popen[bytes]
) -> list[dict[str, Any]]:
    """One endpoint under load for DURATION seconds (logins with health measured beside them)."""
    log(f"{endpoint.name}: {DURATION} s, {endpoint.connections} connections")
    spy = profile(server.pid, endpoint.name, DURATION) if endpoint.name == PROFILE else None
    peak = PeakRss(server.pid)
    run = start_wrk(base, endpoint, files, DURATION)
    side = None
    if endpoint.name == "login":
        time.sleep(1)  # logins first saturate the CPU, then health is measured beside them
        side = start_wrk(base, HEALTH_UNDER_LOGIN, files, DURATION - 2)
    results = [finish_wrk(run)]
    if side is not None:
        results.append(finish_wrk(side))
    time.sleep(SETTLE_SECONDS)  # requests still queued when wrk stops finish first
    peaks = peak.stop()
    rss = rss_mb(server.pid)
    for result in results:
        result["rss_mb"] = rss
        result["rss_peak_mb"] = peaks
        result["server"] = endpoint.server
    if spy is not None:
        spy.wait()
    return results


def measure_raw(endpoint: Endpoint, files: dict[str, Path]) -> list[dict[str, Any]]:
    """The minimal ASGI app, on a server of its own, stopped right after its run."""
    port = free_port()
    raw = start_raw_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        finish_wrk(start_wrk(base, endpoint, files, 2))  # warm-up, as the service had
        return measure(base, endpoint, files, raw)
    finally:
        stop_server(raw)


def raw_ratio(results: list[dict[str, Any]]) -> dict[str, float] | None:
    """Requests per second of the raw ASGI app over the service's /api/v1/health, same run."""
    by_name = {r["name"]: r for r in results}
    real, raw = by_name.get("health"), by_name.get(RAW_HEALTH)
    if real is None or raw is None or not real["rps"]:
        return None
    return {
        "health_rps": real["rps"],
        "raw_rps": raw["rps"],
        "raw_over_health": round(raw["rps"] / real["rps"], 2),
    }


def combine(rounds: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One result per endpoint from every round's: the median of each figure, errors added up,
    the highest peak memory of any round, and each round's figures under ``runs``."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for results in rounds:
        for result in results:
            by_name.setdefault(result["name"], []).append(result)
    combined = []
    for results in by_name.values():
        row = dict(results[0])
        for key in MEDIAN_FIELDS:
            if key in row:
                row[key] = statistics.median(r[key] for r in results)
        row["errors"] = sum(r["errors"] for r in results)
        row["error_detail"] = {
            kind: sum(r["error_detail"].get(kind, 0) for r in results) for kind in results[0]["error_detail"]
        }
        worst = max(results, key=lambda r: max(r.get("rss_peak_mb", {}).values(), default=0))
        row["rss_peak_mb"], row["rss_mb"] = worst.get("rss_peak_mb", {}), worst.get("rss_mb", {})
        row["runs"] = [{k: r[k] for k in (*MEDIAN_FIELDS, "errors") if k in r} for r in results]
        combined.append(row)
    if combined:
        medians = ", ".join(f"{r['name']} {r['rps']:,.0f}" for r in combined)
        log(f"median of {len(rounds)} rounds (req/s): {medians}")
    return combined


def run_endpoints(base: str, server: subprocess.Popen[bytes]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    paths = openapi_paths(base)
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        files = prepare_data(base, Path(tmp))
        log("warming up")
        for warm in [e for e in ENDPOINTS if e.server == "lms"][:7]:
            finish_wrk(start_wrk(base, warm, files, 2))
        for endpoint in ENDPOINTS:
            if ONLY and endpoint.name not in ONLY:
                continue
            if (reason := skip_reason(endpoint, paths, files)) is not None:
                skipped[endpoint.name] = reason
                continue
            if endpoint.server == "raw":
                results.extend(measure_raw(endpoint, files))
                continue
            if endpoint.method == "GET":
                # right before its run, as in a server that has been answering it: the catalog's
                # cached answers live 60 s, less than the runs between the first warm-up and this
                finish_wrk(start_wrk(base, endpoint, files, WARM_SECONDS))
            results.extend(measure(base, endpoint, files, server))
    return results, skipped


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it with apt-get when run as root)")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    ensure_database()
    seed()
    cleanup()
    counts = table_counts()
    rounds: list[list[dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    for n in range(RUNS):
        log(f"round {n + 1} of {RUNS}")
        port = free_port()
        server = start_server(port)
        try:
            done, skipped = run_endpoints(f"http://127.0.0.1:{port}", server)
        finally:
            stop_server(server)
            cleanup()
        rounds.append(done)
    results = combine(rounds)
    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    key = SCALE if WORKERS == 1 else f"{SCALE}, {WORKERS} workers"
    document.setdefault("runs", {})[key] = {
        "scale": SCALE,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "postgresql": server_version(),
            "load_average_before": load_before,
            "load_average_after": Path("/proc/loadavg").read_text().split()[:3],
        },
        "setup": {
            "workers": WORKERS,
            "connections": CONNECTIONS,
            "wrk_threads": THREADS,
            "seconds_per_endpoint": DURATION,
            "rounds": RUNS,
            "load_generator": "wrk on the same machine, loopback",
            "server_environment": "runtime dependencies only" if LMS == RUNTIME_LMS else "development venv",
            "log_level": LOG_LEVEL,
            "rss_sampling": f"peak (VmHWM reset at each run's start) and VmRSS every {RSS_SAMPLE_SECONDS} s",
        },
        "rows": counts,
        "endpoints": results,
        "raw_asgi": raw_ratio(results),
        "skipped": skipped,
        "bench_seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(text_table(document["runs"][key]))
    print()
    print(markdown_table(document["runs"][key]))


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def server_version() -> str:
    with psycopg.connect(conninfo(DATABASE_URL)) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


if __name__ == "__main__":
    main()
