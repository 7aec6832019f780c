"""Numeric and ordering questions and partial scoring over HTTP, on SQLite and on PostgreSQL + Redis.

Keys and tolerances as the owner sees them (and students never do), the 422s of bad keys, and
attempts graded with exact partial points: ``points_earned`` rounded to 2 decimals, ``score`` from
the exact sum, ``correct`` only for full points.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.catalog_support import V1, Cast, cast
from tests.integration.conftest import Api
from tests.integration.test_assessment import create_quiz, setup, start, submit

__all__ = ["cast"]  # the fixture

MIXED: list[dict[str, Any]] = [
    {
        "question_text": "g in m/s²?",
        "question_type": "numeric",
        "correct_answer": "9.81",
        "tolerance": 0.01,
        "points": 2,
    },
    {
        "question_text": "Primes?",
        "question_type": "multiple_select",
        "options": ["2", "3", "4", "5", "6"],
        "correct_answer": ["2", "3", "5"],
        "points": 3,
    },
    {
        "question_text": "Sort",
        "question_type": "ordering",
        "options": ["d", "c", "b", "a"],
        "correct_answer": ["a", "b", "c", "d"],
        "points": 4,
    },
    {"question_text": "0.1 + 0.2?", "question_type": "numeric", "correct_answer": "0.3", "points": 1},
    {
        "question_text": "Thirds",
        "question_type": "ordering",
        "options": ["x", "y", "z"],
        "correct_answer": ["x", "y", "z"],
        "points": 1,
    },
]
"""11 points: numeric 2, multiple select 3, ordering 4, numeric 1, ordering 1."""


async def take(api: Api, s: Any, values: list[Any]) -> dict[str, Any]:
    ids = [q["id"] for q in s.quiz["questions"]]
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    sent = [{"question_id": i, "answer": v} for i, v in zip(ids, values, strict=True) if v is not None]
    r = await submit(api, s.enrolled, attempt["id"], sent)
    assert r.status_code == 200, r.text
    graded: dict[str, Any] = r.json()
    again = await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled)
    assert again.json() == graded  # read back from storage: the same exact points
    return graded


async def test_new_types_are_shown_with_their_keys_to_the_owner_only(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED, scoring="partial")
    quiz = s.quiz
    assert quiz["scoring"] == "partial"
    assert [(q["question_type"], q["correct_answer"]) for q in quiz["questions"]] == [
        ("numeric", "9.81"),
        ("multiple_select", ["2", "3", "5"]),
        ("ordering", ["a", "b", "c", "d"]),
        ("numeric", "0.3"),
        ("ordering", ["x", "y", "z"]),
    ]
    assert [q.get("tolerance") for q in quiz["questions"]] == [0.01, None, None, 0, None]
    assert quiz["questions"][2]["options"] == ["d", "c", "b", "a"]
    seen = await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=s.enrolled)
    assert seen.json()["scoring"] == "partial"
    for q in seen.json()["questions"]:
        assert "correct_answer" not in q
        assert "tolerance" not in q
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    assert all("tolerance" not in q and "correct_answer" not in q for q in attempt["questions"])
    assert attempt["questions"][2]["options"] == ["d", "c", "b", "a"]


async def test_a_partial_quiz_earns_fractions_of_points(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED, scoring="partial", passing_score_percentage=48.48)
    graded = await take(
        api,
        s,
        [" +9.80 ", ["2", "5", "4"], ["a", "b", "d", "c"], "0.30000000000000004", ["x", "z", "y"]],
    )
    ids = [q["id"] for q in s.quiz["questions"]]
    assert graded["answers"] == [
        {
            "question_id": ids[0],
            "answer": " +9.80 ",
            "correct": True,
            "points_earned": 2,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": ids[1],
            "answer": ["2", "5", "4"],
            "correct": False,
            "points_earned": 1,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": ids[2],
            "answer": ["a", "b", "d", "c"],
            "correct": False,
            "points_earned": 2,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": ids[3],
            "answer": "0.30000000000000004",
            "correct": False,
            "points_earned": 0,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": ids[4],
            "answer": ["x", "z", "y"],
            "correct": False,
            "points_earned": 0.33,
            "pending": False,
            "feedback": None,
        },
    ]
    # 5 1/3 of 11 points: 48.48, which passes at 48.48 (the rounded points add up to 5.33: 48.45)
    assert (graded["score"], graded["passed"]) == (48.48, True)


async def test_the_same_answers_all_or_nothing(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED)
    graded = await take(
        api, s, [" +9.80 ", ["2", "5", "4"], ["a", "b", "d", "c"], " +0.30 ", ["x", "y", "z"]]
    )
    assert [(a["correct"], a["points_earned"]) for a in graded["answers"]] == [
        (True, 2),
        (False, 0),
        (False, 0),
        (True, 1),
        (True, 1),
    ]
    assert (graded["score"], graded["passed"]) == (36.36, False)


async def test_full_marks_and_wrong_shapes_on_a_partial_quiz(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED, scoring="partial")
    full = await take(api, s, ["9.82", ["5", "3", "2", "2"], ["a", "b", "c", "d"], ".3", ["x", "y", "z"]])
    assert [a["correct"] for a in full["answers"]] == [True] * 5
    assert (full["score"], full["passed"]) == (100.0, True)
    assert [a["points_earned"] for a in full["answers"]] == [2, 3, 4, 1, 1]
    wrong = await take(api, s, ["3e-1", "2", ["a", "a", "a", "a"], ["0.3"], ["x", "y", "z", "w"]])
    assert [(a["correct"], a["points_earned"]) for a in wrong["answers"]] == [(False, 0)] * 5
    assert (wrong["score"], wrong["passed"]) == (0.0, False)


async def test_scoring_changes_like_other_quiz_fields(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED)
    url = f"{V1}/quizzes/{s.quiz_id}"
    r = await api.client.patch(url, json={"scoring": "partial"}, headers=cast.owner)
    assert (r.status_code, r.json()["scoring"], r.json()["is_published"]) == (200, "partial", True)
    r = await api.client.patch(url, json={"scoring": "half"}, headers=cast.owner)
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "scoring"])
    assert (await api.client.get(url, headers=cast.owner)).json()["scoring"] == "partial"
    r = await api.client.patch(url, json={"scoring": "all_or_nothing"}, headers=s.enrolled)
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("question", "loc"),
    [
        ({"question_type": "numeric", "correct_answer": "ten"}, ["body", "correct_answer"]),
        ({"question_type": "numeric", "correct_answer": "1e3"}, ["body", "correct_answer"]),
        ({"question_type": "numeric", "correct_answer": "1" * 51}, ["body", "correct_answer"]),
        ({"question_type": "numeric", "correct_answer": ["1"]}, ["body", "correct_answer"]),
        ({"question_type": "numeric", "correct_answer": "1", "tolerance": -0.1}, ["tolerance"]),
        ({"question_type": "numeric", "correct_answer": "1", "tolerance": 1e16}, ["tolerance"]),
        ({"question_type": "numeric", "correct_answer": "1", "tolerance": "0.1"}, ["tolerance"]),
        ({"question_type": "numeric", "correct_answer": "1", "options": ["1", "2"]}, ["body", "options"]),
        ({"question_type": "short_answer", "correct_answer": "x", "tolerance": 0}, ["body", "tolerance"]),
        (
            {"question_type": "ordering", "options": ["a", "b", "c"], "correct_answer": ["a", "b"]},
            ["body", "correct_answer"],
        ),
        (
            {"question_type": "ordering", "options": ["a", "b"], "correct_answer": ["a", "a"]},
            ["body", "correct_answer"],
        ),
        (
            {"question_type": "ordering", "options": ["a", "b"], "correct_answer": ["a", "b", "c"]},
            ["body", "correct_answer"],
        ),
        (
            {"question_type": "ordering", "options": ["a", "b"], "correct_answer": "a"},
            ["body", "correct_answer"],
        ),
        ({"question_type": "ordering", "options": ["a"], "correct_answer": ["a"]}, ["body", "options"]),
        (
            {"question_type": "multiple_select", "options": ["a", "b"], "correct_answer": []},
            ["body", "correct_answer"],
        ),
    ],
)
async def test_bad_keys_are_422(api: Api, cast: Cast, question: dict[str, Any], loc: list[Any]) -> None:
    s = await setup(api, cast)
    body = {"question_text": "Q", "points": 1, **question}
    r = await api.client.post(f"{V1}/quizzes/{s.quiz_id}/questions", json=body, headers=cast.owner)
    assert r.status_code == 422, r.text
    got = r.json()["detail"][0]["loc"]
    if loc == ["tolerance"]:  # refused by the body's schema, within the question
        assert got[0] == "body" and got[-1] == "tolerance"
    else:
        assert got == loc
    r = await create_quiz(api, cast.owner, s.course_id, questions=[body])
    assert r.status_code == 422, r.text
    after = await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=cast.owner)
    assert after.json()["question_count"] == 4


async def test_invalid_scoring_on_create_is_422(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    r = await create_quiz(api, cast.owner, s.course_id, scoring="partly")
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "scoring"])


async def test_tolerance_on_update_and_type_changes(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, questions=MIXED)
    one = f"{V1}/quizzes/{s.quiz_id}/questions/{s.quiz['questions'][0]['id']}"
    r = await api.client.patch(one, json={"tolerance": 0.25}, headers=cast.owner)
    assert (r.status_code, r.json()["tolerance"]) == (200, 0.25)
    r = await api.client.patch(
        one, json={"question_type": "short_answer", "correct_answer": "nine"}, headers=cast.owner
    )
    assert r.status_code == 200, r.text
    assert "tolerance" not in r.json()
    r = await api.client.patch(one, json={"tolerance": 1}, headers=cast.owner)
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "tolerance"])
    r = await api.client.patch(
        one, json={"question_type": "numeric", "correct_answer": "-1.5"}, headers=cast.owner
    )
    assert (r.status_code, r.json()["tolerance"], r.json()["correct_answer"]) == (200, 0, "-1.5")


async def test_openapi_describes_the_new_fields(api: Api) -> None:
    schema = (await api.client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]

    def props(name: str) -> dict[str, Any]:
        found = [v for k, v in components.items() if k == name]
        assert len(found) == 1, name
        return dict(found[0]["properties"])

    question_types = {
        "multiple_choice",
        "multiple_select",
        "true_false",
        "short_answer",
        "numeric",
        "ordering",
        "essay",
    }
    enums = [v["enum"] for k, v in components.items() if set(v.get("enum", [])) == question_types]
    assert enums, "the question types' enum"
    for name in ("QuestionCreate", "QuestionUpdate"):
        tolerance = props(name)["tolerance"]
        text = str(tolerance)
        assert "'minimum': 0" in text and "'maximum': 1000000000000000" in text, text
    assert (
        "scoring" in props("QuizCreate")
        and "scoring" in props("QuizUpdate")
        and "scoring" in props("QuizOut")
    )
    assert "number" in str(props("AnswerOut")["points_earned"])
