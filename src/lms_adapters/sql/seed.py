"""Demo and benchmark data: ``lms seed-demo --scale small|large``.

Rows come from a deterministic generator: every id is derived from its kind and index
(``_uid``), so a second run finds the rows already there. Each *section* (users,
courses, lessons, enrollments, completions, ...) is written in one transaction and is
skipped when its first and last rows exist, so an interrupted run resumes where it stopped
and a finished one changes nothing. PostgreSQL is written with ``COPY``; SQLite with
``executemany`` in batches (plus ``ON CONFLICT DO NOTHING``).

Extension point: ``SECTIONS`` is an ordered list of :class:`Section`; a later area (quizzes,
questions, attempts) appends its own sections, each with a ``present`` check (for example
"the table exists") so the seed runs on databases migrated before that area existed.
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Table, create_engine, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms_adapters.sql import tables as t
from lms_adapters.sql.engine import prepare_sqlite
from lms_adapters.sql.urls import sync_url
from lms_domain.assessment.grading import passes, score_percentage

__all__ = [
    "DEMO_PASSWORD",
    "SCALES",
    "SECTIONS",
    "SEED_END",
    "Scale",
    "Section",
    "SeedReport",
    "seed",
    "seed_uuid",
]

DEMO_PASSWORD = "demo-lms-2024!"  # printed at the end of the seed; every seeded user has it
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)  # seeded timestamps lie in the year before it
SEED_END = ANCHOR + timedelta(days=31)  # every seeded timestamp is earlier; later rows are not the seed's


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    instructors: int
    students: int
    courses: int
    lessons_per_course: int
    enrollments: int
    completions: int
    quizzes: int = 0
    questions_per_quiz: int = 0
    attempts: int = 0


SCALES = {
    "small": Scale("small", instructors=3, students=40, courses=12, lessons_per_course=6, enrollments=120,
                   completions=300, quizzes=24, questions_per_quiz=5, attempts=50),
    "large": Scale("large", instructors=1_000, students=99_000, courses=10_000, lessons_per_course=10,
                   enrollments=1_000_000, completions=5_000_000, quizzes=20_000, questions_per_quiz=10,
                   attempts=500_000),
}  # fmt: skip

# The three known logins (besides every generated user, who shares the same password).
DEMO_LOGINS = (
    ("admin@demo.lms", "admin", "Ada Admin"),
    ("instructor@demo.lms", "instructor", "Ines Instructor"),
    ("student@demo.lms", "student", "Sam Student"),
)

_KINDS = {
    "user": 1, "course": 2, "lesson": 3, "enrollment": 4, "completion": 5,
    "quiz": 6, "question": 7, "attempt": 8,
}  # fmt: skip


def seed_uuid(kind: str, index: int) -> uuid.UUID:
    """The id of the ``index``-th seeded row of a kind: stable across runs, version-4 shaped."""
    value = (0x5EED << 112) | (_KINDS[kind] << 96) | index
    return uuid.UUID(int=value, version=4)


FIRST = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas", "Mia",
    "Levi", "Isabella", "Mateo", "Luna", "Ezra", "Aiko", "Hiro", "Yuki", "Chen", "Wei", "Priya",
    "Arjun", "Fatima", "Omar", "Lea", "Jonas", "Sofia", "Marco", "Ines", "Pedro", "Zoe", "Kai", "Nia",
    "Amara", "Tariq", "Elena", "Ivan", "Olga", "Mikko", "Aino", "Sven", "Freya", "Lars", "Chloe",
    "Hugo", "Camille", "Louis", "Anya", "Dmitri"
]  # fmt: skip
LAST = [
    "Smith", "Johnson", "Garcia", "Brown", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson",
    "Thomas", "Moore", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams",
    "Nakamura", "Tanaka", "Kim", "Park", "Singh", "Patel", "Khan", "Ali", "Muller", "Schmidt", "Rossi",
    "Bianchi", "Dubois", "Moreau", "Silva", "Santos", "Kowalski", "Novak", "Virtanen", "Hansen"
]  # fmt: skip
CATEGORIES = (
    "programming", "data-science", "design", "business", "marketing", "languages", "music",
    "photography", "mathematics", "personal-development",
)  # fmt: skip
SUBJECTS = {
    "programming": ["Python", "Rust", "Go", "TypeScript", "SQL", "Kotlin", "Web APIs", "Testing"],
    "data-science": ["Statistics", "Pandas", "Machine Learning", "Data Visualisation", "Deep Learning"],
    "design": ["UX Research", "Typography", "Figma", "Colour Theory", "Design Systems"],
    "business": ["Accounting", "Negotiation", "Project Management", "Startups", "Leadership"],
    "marketing": ["SEO", "Copywriting", "Social Media", "Email Campaigns", "Brand Strategy"],
    "languages": ["Spanish", "Japanese", "German", "French", "Mandarin"],
    "music": ["Guitar", "Piano", "Music Theory", "Home Recording", "Songwriting"],
    "photography": ["Portraits", "Lightroom", "Street Photography", "Lighting", "Landscapes"],
    "mathematics": ["Linear Algebra", "Calculus", "Probability", "Discrete Maths", "Number Theory"],
    "personal-development": ["Public Speaking", "Time Management", "Writing", "Focus", "Habits"],
}
LEVEL_WORDS = {
    "beginner": ["Introduction to", "Getting Started with", "Foundations of"],
    "intermediate": ["Practical", "Hands-on", "Applied"],
    "advanced": ["Advanced", "Mastering", "Deep Dive into"],
}
LEVELS = tuple(LEVEL_WORDS)
LESSON_TOPICS = (
    "Overview", "Setting up", "Core ideas", "A first example", "Common mistakes", "Working with data",
    "Patterns", "Going further", "A case study", "Review and next steps", "Exercises", "Project",
)  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- row generators -----------------------------------------------------------------------------


def _users(scale: Scale, password_hash: str) -> Iterator[dict[str, Any]]:
    rng = random.Random(1)  # noqa: S311 (made-up names, not secrets)
    index = 0
    for email, role, name in DEMO_LOGINS:
        at = ANCHOR - timedelta(days=400)
        yield _user_row(index, email, name, role, password_hash, at)
        index += 1
    for n in range(scale.instructors + scale.students):
        first, last = FIRST[rng.randrange(len(FIRST))], LAST[rng.randrange(len(LAST))]
        role = "instructor" if n < scale.instructors else "student"
        at = ANCHOR - timedelta(days=390) + timedelta(seconds=n * 340_000_00 // max(1, scale.students))
        yield _user_row(
            index, f"{first}.{last}.{n}@example.com".lower(), f"{first} {last}", role, password_hash, at
        )
        index += 1


def _user_row(index: int, email: str, name: str, role: str, pw: str, at: datetime) -> dict[str, Any]:
    return {
        "id": seed_uuid("user", index),
        "email": email,
        "full_name": name,
        "password_hash": pw,
        "role": role,
        "is_active": True,
        "mfa_enabled": False,
        "mfa_secret": None,
        "created_at": at,
        "updated_at": at,
        "last_login_at": None,
        "credentials_version": 0,
        "credentials_session_id": None,
    }


def instructor_index(scale: Scale, n: int) -> int:
    """The user index of the ``n``-th instructor (the demo instructor is the first)."""
    n %= scale.instructors + 1
    return 1 if n == 0 else len(DEMO_LOGINS) + n - 1


def student_index(scale: Scale, n: int) -> int:
    """The user index of the ``n``-th student (the demo student is the first)."""
    n %= scale.students + 1
    return 2 if n == 0 else len(DEMO_LOGINS) + scale.instructors + n - 1


def _is_published(i: int) -> bool:
    return i % 10 != 9  # one course in ten is a draft


def _lesson_minutes(course: int, position: int) -> int:
    return 5 + (course * 7 + position * 13) % 26


def _courses(scale: Scale) -> Iterator[dict[str, Any]]:
    rng = random.Random(2)  # noqa: S311
    for i in range(scale.courses):
        category = CATEGORIES[i % len(CATEGORIES)]
        level = LEVELS[(i // len(CATEGORIES)) % len(LEVELS)]
        subject = rng.choice(SUBJECTS[category])
        title = f"{rng.choice(LEVEL_WORDS[level])} {subject}"
        if i >= len(CATEGORIES) * len(LEVELS):
            title = f"{title} {['I', 'II', 'III', 'Workshop', 'Bootcamp', 'Essentials'][i % 6]}"
        at = ANCHOR - timedelta(days=380) + timedelta(seconds=i * 30_000_000 // scale.courses)
        total = sum(_lesson_minutes(i, p) for p in range(1, scale.lessons_per_course + 1))
        yield {
            "id": seed_uuid("course", i),
            "instructor_id": seed_uuid("user", instructor_index(scale, i)),
            "title": title,
            "slug": f"{_slug(title)}-{i}",
            "description": f"{'An' if level[0] in 'aeiou' else 'A'} {level} course on {subject} in "
            f"{scale.lessons_per_course} lessons, "
            f"with exercises and a final project.",
            "category": category,
            "difficulty_level": level,
            "is_published": _is_published(i),
            "thumbnail_url": None,
            "estimated_duration_minutes": total,
            "created_at": at,
            "updated_at": at,
        }


def _lessons(scale: Scale) -> Iterator[dict[str, Any]]:
    for c in range(scale.courses):
        at = ANCHOR - timedelta(days=380) + timedelta(seconds=c * 30_000_000 // scale.courses)
        for p in range(1, scale.lessons_per_course + 1):
            video = p % 3 != 0
            n = c * scale.lessons_per_course + p - 1
            yield {
                "id": seed_uuid("lesson", n),
                "course_id": seed_uuid("course", c),
                "title": f"{p}. {LESSON_TOPICS[(p - 1) % len(LESSON_TOPICS)]}",
                "content_type": "video" if video else "text",
                "content": None if video else "Read this lesson, then try the exercises at its end.",
                "video_url": f"https://videos.example.com/{c}/{p}.mp4" if video else None,
                "duration_minutes": _lesson_minutes(c, p),
                "is_preview": p == 1,
                "position": p,
                "created_at": at,
                "updated_at": at,
            }


def _published_courses(scale: Scale) -> list[int]:
    return [i for i in range(scale.courses) if _is_published(i)]


def _enrollment_plan(scale: Scale) -> Iterator[tuple[int, int, int, int]]:
    """(enrollment index, student index, course index, lessons done), deterministic.

    Student ``s`` takes courses ``(s*7919 + k*1009) mod P`` of the published ones: distinct
    for each student while k < P. Lessons done cycle through 0..L, and the last enrollments
    absorb the difference so the total is exactly ``scale.completions``.
    """
    published = _published_courses(scale)
    lessons = scale.lessons_per_course
    n_students = scale.students + 1  # with the demo student
    step = 7 if (lessons + 1) % 7 else 5  # coprime with lessons + 1: every amount of progress occurs
    done_total = 0
    for j in range(scale.enrollments):
        student, k = j % n_students, j // n_students
        course = published[(student * 7919 + k * 1009) % len(published)]
        done = (j * step) % (lessons + 1)
        remaining_after = scale.enrollments - j - 1
        left = scale.completions - done_total
        done = max(min(done, left), left - remaining_after * lessons)
        done = min(max(done, 0), lessons)
        done_total += done
        yield j, student, course, done


def _enrollment_time(j: int, scale: Scale) -> datetime:
    return ANCHOR - timedelta(days=365) + timedelta(seconds=(j * 31_000_000) // scale.enrollments)


def _enrollments(scale: Scale) -> Iterator[dict[str, Any]]:
    for j, student, course, done in _enrollment_plan(scale):
        at = _enrollment_time(j, scale)
        yield {
            "id": seed_uuid("enrollment", j),
            "student_id": seed_uuid("user", student_index(scale, student)),
            "course_id": seed_uuid("course", course),
            "enrolled_at": at,
            "completed_at": at + timedelta(days=done * 2) if done == scale.lessons_per_course else None,
        }


def _completions(scale: Scale) -> Iterator[dict[str, Any]]:
    n = 0
    for j, _student, course, done in _enrollment_plan(scale):
        at = _enrollment_time(j, scale)
        for p in range(1, done + 1):
            yield {
                "id": seed_uuid("completion", n),
                "enrollment_id": seed_uuid("enrollment", j),
                "lesson_id": seed_uuid("lesson", course * scale.lessons_per_course + p - 1),
                "completed_at": at + timedelta(days=p * 2 - 1),
            }
            n += 1


# Quizzes: ``quizzes_per_course`` per course (every course gets the same share), each placed
# after a lesson of its course and published with its course. Attempt ``a`` is made by the
# student of enrollment ``2a`` (distinct (student, course) pairs, so distinct (student, quiz)
# pairs), on one of that course's quizzes, submitted and graded from the known answers.

QUESTION_TYPES = ("multiple_choice", "true_false", "multiple_select", "short_answer")
PASSING_SCORE = 60.0
CHOICES = ("A first option", "A second option", "A third option", "A fourth option")


def quizzes_per_course(scale: Scale) -> int:
    return scale.quizzes // scale.courses if scale.courses else 0


def quiz_max_attempts(q: int) -> int | None:
    """One quiz in four caps attempts at 3; the others are unlimited (the benchmark takes those)."""
    return 3 if q % 4 == 3 else None


def _wrong_answer(kind: str, correct: str | list[str], n: int) -> str | list[str]:
    if kind == "multiple_choice":
        return CHOICES[(n % 4 + 1) % 4]
    if kind == "true_false":
        return "false" if correct == "true" else "true"
    if kind == "multiple_select":
        return [CHOICES[1]]
    return "a guess"


def _quizzes(scale: Scale) -> Iterator[dict[str, Any]]:
    per = quizzes_per_course(scale)
    for q in range(scale.courses * per):
        course, k = divmod(q, per)
        position = (k + 1) * scale.lessons_per_course // (per + 1) or 1
        at = ANCHOR - timedelta(days=370) + timedelta(seconds=q * 30_000_000 // max(1, scale.quizzes))
        yield {
            "id": seed_uuid("quiz", q),
            "course_id": seed_uuid("course", course),
            "lesson_id": seed_uuid("lesson", course * scale.lessons_per_course + position - 1),
            "title": f"Check your understanding {k + 1}",
            "description": f"{scale.questions_per_quiz} questions on lessons up to {position}.",
            "time_limit_minutes": 30 if q % 2 else None,
            "passing_score_percentage": PASSING_SCORE,
            "shuffle_questions": q % 3 == 0,
            "max_attempts": quiz_max_attempts(q),
            "is_published": _is_published(course),
            "created_at": at,
            "updated_at": at,
        }


def question_spec(q: int, p: int) -> tuple[str, list[str], str | list[str], int]:
    """(type, options, correct answer, points) of question ``p`` (0-based) of quiz ``q``."""
    kind = QUESTION_TYPES[(q + p) % len(QUESTION_TYPES)]
    points = 1 + (q + 2 * p) % 3
    if kind == "multiple_choice":
        return kind, list(CHOICES), CHOICES[(q + p) % 4], points
    if kind == "true_false":
        return kind, ["true", "false"], "true" if (q + p) % 2 else "false", points
    if kind == "multiple_select":
        return kind, list(CHOICES), [CHOICES[0], CHOICES[2 + (q + p) % 2]], points
    return kind, [], "photosynthesis", points


def _questions(scale: Scale) -> Iterator[dict[str, Any]]:
    for q in range(scale.courses * quizzes_per_course(scale)):
        for p in range(scale.questions_per_quiz):
            kind, options, answer, points = question_spec(q, p)
            yield {
                "id": seed_uuid("question", q * scale.questions_per_quiz + p),
                "quiz_id": seed_uuid("quiz", q),
                "question_text": f"Question {p + 1}: which answer fits best?",
                "question_type": kind,
                "options": options,
                "correct_answer": answer,
                "points": points,
                "position": p + 1,
            }


def _attempts(scale: Scale) -> Iterator[dict[str, Any]]:
    per = quizzes_per_course(scale)
    n_questions = scale.questions_per_quiz
    if per == 0 or n_questions == 0:
        return
    assert scale.attempts * 2 <= scale.enrollments, "attempts are made on every other enrollment"
    plan = _enrollment_plan(scale)
    for a in range(scale.attempts):
        j, student, course, _done = next(plan)
        if j % 2:  # every other enrollment takes a quiz
            j, student, course, _done = next(plan)
        q = course * per + a % per
        wrong = (a * 7 + student) % (n_questions + 1)  # 0..n wrong answers
        answers, earned, total = [], 0, 0
        for p in range(n_questions):
            kind, _options, correct, points = question_spec(q, p)
            answer: str | list[str] = correct
            if p < wrong:  # a wrong answer of the question's kind
                answer = _wrong_answer(kind, correct, q + p)
            right = answer == correct
            total += points
            earned += points if right else 0
            answers.append({
                "question_id": str(seed_uuid("question", q * n_questions + p)),
                "answer": answer,
                "correct": right,
                "points_earned": points if right else 0,
            })  # fmt: skip
        score = score_percentage(earned, total)
        started = _enrollment_time(j, scale) + timedelta(days=3, minutes=a % 50)
        yield {
            "id": seed_uuid("attempt", a),
            "quiz_id": seed_uuid("quiz", q),
            "student_id": seed_uuid("user", student_index(scale, student)),
            "question_order": [str(seed_uuid("question", q * n_questions + p)) for p in range(n_questions)],
            "answers": answers,
            "score": score,
            "passed": passes(score, PASSING_SCORE),
            "status": "submitted",
            "started_at": started,
            "ended_at": started + timedelta(minutes=4 + a % 20),
        }


# --- sections ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """One table's share of the seed: its rows, how many, and whether it applies here."""

    name: str
    table: Callable[[Connection], Table]
    count: Callable[[Scale], int]
    rows: Callable[[Scale, str], Iterable[dict[str, Any]]]
    present: Callable[[Connection], bool] = lambda _conn: True
    kind: str = ""


def _has_tables(*names: str) -> Callable[[Connection], bool]:
    def check(conn: Connection) -> bool:
        inspector = inspect(conn)
        return all(inspector.has_table(name) for name in names)

    return check


SECTIONS: list[Section] = [
    Section("users", lambda _c: t.users, lambda s: len(DEMO_LOGINS) + s.instructors + s.students,
            _users, kind="user"),
    Section("courses", lambda _c: t.courses, lambda s: s.courses, lambda s, _pw: _courses(s), kind="course"),
    Section("lessons", lambda _c: t.lessons, lambda s: s.courses * s.lessons_per_course,
            lambda s, _pw: _lessons(s), kind="lesson"),
    Section("enrollments", lambda _c: t.enrollments, lambda s: s.enrollments,
            lambda s, _pw: _enrollments(s), kind="enrollment"),
    Section("lesson completions", lambda _c: t.lesson_completions, lambda s: s.completions,
            lambda s, _pw: _completions(s), kind="completion"),
    Section("quizzes", lambda _c: t.quizzes, lambda s: s.courses * quizzes_per_course(s),
            lambda s, _pw: _quizzes(s), _has_tables("quizzes"), kind="quiz"),
    Section("questions", lambda _c: t.questions,
            lambda s: s.courses * quizzes_per_course(s) * s.questions_per_quiz,
            lambda s, _pw: _questions(s), _has_tables("questions"), kind="question"),
    Section("quiz attempts", lambda _c: t.quiz_attempts,
            lambda s: s.attempts if quizzes_per_course(s) and s.questions_per_quiz else 0,
            lambda s, _pw: _attempts(s), _has_tables("quiz_attempts"), kind="attempt"),
]  # fmt: skip


# --- writing --------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int, *, stream: Any = None, enabled: bool = True) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.monotonic()
        self._last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.2 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = self.done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label:<20} [{bar:<30}] {share * 100:5.1f}% "
            f"{self.done:>10,}/{self.total:,} {rate:,.0f}/s"
        )
        self.stream.flush()

    def finish(self, note: str = "") -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write(f" {note}\n")
            self.stream.flush()


@dataclass(frozen=True, slots=True)
class SeedReport:
    scale: str
    written: dict[str, int]
    skipped: list[str]
    counts: dict[str, int]


def _exists(conn: Connection, table: Table, row_id: uuid.UUID) -> bool:
    return conn.execute(select(table.c.id).where(table.c.id == row_id)).first() is not None


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _write_postgres(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], bar: Progress) -> int:
    columns = [c.name for c in table.columns]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    raw = conn.connection.driver_connection
    assert raw is not None
    written = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for batch in _batches(rows, 20_000):
            buffer = io.StringIO()
            for row in batch:
                buffer.write(
                    "\t".join(_copy_text(json.dumps(row[c]) if c in as_json else row[c]) for c in columns)
                )
                buffer.write("\n")
            copy.write(buffer.getvalue())
            written += len(batch)
            bar.advance(len(batch))
    return written


def _write_rows(
    conn: Connection, table: Table, rows: Iterable[dict[str, Any]], bar: Progress, *, postgres: bool
) -> int:
    written = 0
    statement = (pg_insert if postgres else sqlite_insert)(table).on_conflict_do_nothing()
    for batch in _batches(rows, 5_000):
        conn.execute(statement, batch)
        written += len(batch)
        bar.advance(len(batch))
    return written


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def seed(
    database_url: str,
    scale: Scale,
    password_hash: str,
    *,
    sections: Sequence[Section] | None = None,
    progress: bool = True,
    stream: Any = None,
) -> SeedReport:
    """Write the data set for ``scale`` (a migrated database); return what was written."""
    url = sync_url(database_url)
    engine = create_engine(url)
    postgres = url.get_backend_name() == "postgresql"
    if not postgres:
        prepare_sqlite(engine)
    written: dict[str, int] = {}
    skipped: list[str] = []
    counts: dict[str, int] = {}
    try:
        for section in SECTIONS if sections is None else sections:
            with engine.connect() as conn:
                if not section.present(conn):
                    skipped.append(f"{section.name}: tables not present")
                    continue
                table, total = section.table(conn), section.count(scale)
                kind = section.kind or section.name
                first = total > 0 and _exists(conn, table, seed_uuid(kind, 0))
                if total == 0 or (first and _exists(conn, table, seed_uuid(kind, total - 1))):
                    skipped.append(f"{section.name}: already seeded")
                    counts[section.name] = _count(conn, table)
                    continue
            # One transaction per section: a section is either all there or not at all.
            with engine.begin() as conn:
                bar = Progress(section.name, total, stream=stream, enabled=progress)
                rows = section.rows(scale, password_hash)
                if postgres and not first:
                    written[section.name] = _write_postgres(conn, table, rows, bar)
                else:  # SQLite, or rows of a smaller seed already there: skip the duplicates
                    written[section.name] = _write_rows(conn, table, rows, bar, postgres=postgres)
                bar.finish()
            if postgres:
                # VACUUM sets the visibility map, so counts use index-only scans from the start
                # (without it, every count visits the table until autovacuum gets there).
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
            with engine.connect() as conn:
                counts[section.name] = _count(conn, table)
    finally:
        engine.dispose()
    return SeedReport(scale=scale.name, written=written, skipped=skipped, counts=counts)
