"""``lms seed-demo``: the expected rows, twice without duplicates, and logins that work."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import create_engine, func, select

from lms_adapters.sql import tables as t
from lms_adapters.sql.counters import reconcile_database
from lms_adapters.sql.seed import DEMO_PASSWORD, SCALES, seed_uuid
from lms_adapters.sql.seed.assessment import quizzes_per_course
from lms_adapters.sql.seed.learning import enrollment_plan
from lms_adapters.sql.urls import sync_url
from lms_http.cli import seed_demo
from lms_http.settings import Settings

SMALL = SCALES["small"]
EXPECTED = {
    "users": 3 + SMALL.instructors + SMALL.students,
    "courses": SMALL.courses,
    "lessons": SMALL.courses * SMALL.lessons_per_course,
    "enrollments": SMALL.enrollments,
    "lesson_completions": SMALL.completions,
    "quizzes": SMALL.quizzes,
    "questions": SMALL.quizzes * SMALL.questions_per_quiz,
    "quiz_attempts": SMALL.attempts,
}


def counts(url: str) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(getattr(t, name))).scalar_one()
                for name in EXPECTED
            }
    finally:
        engine.dispose()


def test_small_seed_counts_and_idempotence(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_demo(settings, "small", progress=False)
    first = capsys.readouterr().out
    assert counts(settings.database_url) == EXPECTED
    assert "admin@demo.lms" in first and "student@demo.lms" in first and DEMO_PASSWORD in first
    seed_demo(settings, "small", progress=False)
    again = capsys.readouterr().out
    assert counts(settings.database_url) == EXPECTED
    assert "skipped lesson completions: already seeded" in again
    assert "skipped quiz attempts: already seeded" in again


def test_small_seed_is_consistent(settings: Settings) -> None:
    seed_demo(settings, "small", progress=False)
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            roles: dict[str, int] = dict(
                conn.execute(select(t.users.c.role, func.count()).group_by(t.users.c.role)).all()
            )
            done = conn.execute(
                select(func.count())
                .select_from(t.enrollments)
                .where(t.enrollments.c.completed_at.is_not(None))
            ).scalar_one()
            full = conn.execute(
                select(func.count()).select_from(
                    select(t.lesson_completions.c.enrollment_id)
                    .group_by(t.lesson_completions.c.enrollment_id)
                    .having(func.count() == SMALL.lessons_per_course)
                    .subquery()
                )
            ).scalar_one()
            drafts = conn.execute(
                select(func.count()).select_from(t.courses).where(t.courses.c.is_published.is_(False))
            ).scalar_one()
    finally:
        engine.dispose()
    assert roles == {"admin": 1, "instructor": SMALL.instructors + 1, "student": SMALL.students + 1}
    assert done == full > 0  # an enrollment is completed exactly when every lesson is done
    assert 0 < drafts < SMALL.courses
    # the report counters: kept by the triggers (SQLite), or recounted once after COPY (PostgreSQL)
    assert reconcile_database(settings.database_url) == 0


async def test_printed_logins_work_through_the_api(
    settings: Settings, make_app: Callable[..., Litestar]
) -> None:
    seed_demo(settings, "small", progress=False)
    app: Litestar = make_app()
    async with AsyncTestClient(app=app) as client:
        tokens = {}
        for email in ("admin@demo.lms", "instructor@demo.lms", "student@demo.lms"):
            r = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            tokens[email] = r.json()["access_token"]
        student = {"Authorization": f"Bearer {tokens['student@demo.lms']}"}
        me = await client.get("/api/v1/users/me", headers=student)
        assert me.status_code == 200 and me.json()["role"] == "student"
        mine = await client.get("/api/v1/enrollments/my-courses", headers=student)
        assert mine.status_code == 200 and mine.json()["total"] > 0
        admin = {"Authorization": f"Bearer {tokens['admin@demo.lms']}"}
        assert (await client.get("/api/v1/users/me", headers=admin)).json()["role"] == "admin"
        courses = await client.get("/api/v1/courses", params={"page_size": 100})
        assert courses.json()["total"] == sum(1 for i in range(SMALL.courses) if i % 10 != 9)
        course = await client.get(f"/api/v1/courses/{seed_uuid('course', 0)}")
        assert course.status_code == 200 and len(course.json()["lessons"]) == SMALL.lessons_per_course
        # The demo student took a quiz of their first course; the course's other quiz is open to them.
        stats = await client.get("/api/v1/analytics/student", headers=student)
        assert stats.status_code == 200 and stats.json()["quizzes_taken"] >= 1
        course_index = next(c for _, s, c, _ in enrollment_plan(SMALL) if s == 0)
        quiz_id = seed_uuid("quiz", course_index * quizzes_per_course(SMALL) + 1)
        started = await client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=student)
        assert started.status_code == 201, started.text
        answers = [
            {"question_id": q["id"], "answer": [q["options"][0]] if q["question_type"] == "multiple_select"
             else (q["options"] or ["photosynthesis"])[0]}
            for q in started.json()["questions"]
        ]  # fmt: skip
        submitted = await client.post(
            f"/api/v1/attempts/{started.json()['id']}/submit", json={"answers": answers}, headers=student
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted" and submitted.json()["score"] is not None
        wrong = await client.post(
            "/api/v1/auth/login", json={"email": "student@demo.lms", "password": DEMO_PASSWORD + "x"}
        )
        assert wrong.status_code == 401


def test_seed_ids_are_stable_and_distinct() -> None:
    ids = {seed_uuid(kind, i) for kind in ("user", "course", "lesson") for i in range(1000)}
    assert len(ids) == 3000
    assert seed_uuid("user", 7) == seed_uuid("user", 7)
    assert seed_uuid("user", 7).version == 4


def test_large_plan_has_the_issue_counts() -> None:
    large = SCALES["large"]
    assert 3 + large.instructors + large.students == 100_003
    assert large.instructors + 1 >= 1_000 and large.courses * large.lessons_per_course == 100_000
    assert (large.enrollments, large.completions) == (1_000_000, 5_000_000)
    assert dataclasses.astuple(large)[-3:] == (20_000, 10, 500_000)


def test_seeded_course_descriptions_read_well(settings: Settings) -> None:
    """ "An intermediate course on Python", never "A intermediate course on python"."""
    seed_demo(settings, "small", progress=False)
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.courses.c.title, t.courses.c.description, t.courses.c.difficulty_level)
            )
            courses = rows.all()
    finally:
        engine.dispose()
    assert "intermediate" in {level for *_, level in courses}
    for title, description, level in courses:
        opening = f"{'An' if level in ('intermediate', 'advanced') else 'A'} {level} course on "
        assert description.startswith(opening), description
        subject = description.removeprefix(opening).split(" in ")[0]
        assert subject in title, (subject, title)  # named as the title names it
