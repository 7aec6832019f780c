"""Grading writes racing each other, many requests released at once over several rounds, on SQLite
and on PostgreSQL + Redis: a regrade never loses an attempt submitted or started meanwhile, hand
grades of one answer keep one consistent score and history, and a bank never ends up shorter than
a published quiz draws from it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar

from tests.integration.catalog_support import V1, Cast, cast, new_course, publish
from tests.integration.conftest import Api, outbox, racing_client
from tests.integration.test_assessment import start, submit
from tests.integration.test_banks_and_grading import (
    ESSAY_QUIZ,
    fill,
    new_bank,
    new_quiz,
    published_quiz,
    student_in,
)

__all__ = ["cast"]  # the fixture

ROUNDS = 3
CROWD = 10


@pytest.fixture
async def api(make_app: Callable[..., Litestar]) -> AsyncIterator[Api]:
    """This module's ``api`` (and so ``cast``) sends its requests really at once."""
    app = make_app()
    async with racing_client(app) as client:
        yield Api(client, app.state.container.settings())


async def at_once(*calls: Awaitable[Any]) -> list[Any]:
    return list(await asyncio.gather(*calls))


TWO = [
    {**ESSAY_QUIZ[0], "points": 1},  # "2 + 2?" with options 3 and 4, key 4
    {"question_text": "Sky is blue", "question_type": "true_false", "correct_answer": "true", "points": 1},
]


async def test_a_regrade_reaches_every_attempt_submitted_at_the_same_time(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        await publish(api, cast.owner, course["id"])
        quiz = await published_quiz(api, cast.owner, course["id"], questions=TWO)
        mc, tf = (q["id"] for q in quiz["questions"])
        takers = []
        for _ in range(CROWD):
            learner = await student_in(api, course["id"])
            takers.append(((await start(api, learner, quiz["id"])).json()["id"], learner))
        sent = [{"question_id": mc, "answer": "3"}, {"question_id": tf, "answer": "true"}]
        regrade = api.client.post(
            f"{V1}/quizzes/{quiz['id']}/questions/{mc}/regrade",
            json={"correct_answer": "3", "reason": "wrong key"},
            headers=cast.owner,
        )
        *submitted, regraded = await at_once(*(submit(api, who, a, sent) for a, who in takers), regrade)
        assert [r.status_code for r in submitted] == [200] * CROWD
        assert regraded.status_code == 200, regraded.text
        # graded with the new key, whether submitted before or after the regrade
        for attempt_id, who in takers:
            shown = (await api.client.get(f"{V1}/attempts/{attempt_id}", headers=who)).json()
            assert (shown["score"], shown["passed"]) == (100.0, True), shown
        before = sum(1 for r in submitted if r.json()["score"] == 50.0)
        assert regraded.json() == {"attempts_regraded": before, "scores_changed": before}


async def test_attempts_started_during_a_bank_regrade_hold_the_new_key(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        await publish(api, cast.owner, course["id"])
        bank = await new_bank(api, cast.owner, course["id"])
        questions = await fill(api, cast.owner, bank["id"], 2)
        quiz = await published_quiz(
            api, cast.owner, course["id"], question_pools=[{"bank_id": bank["id"], "count": 2}]
        )
        learners = [await student_in(api, course["id"]) for _ in range(CROWD)]
        target = questions[0]["id"]
        regrade = api.client.post(
            f"{V1}/question-banks/{bank['id']}/questions/{target}/regrade",
            json={"correct_answer": "new key", "reason": ""},
            headers=cast.owner,
        )
        *started, regraded = await at_once(*(start(api, who, quiz["id"]) for who in learners), regrade)
        assert [r.status_code for r in started] == [201] * CROWD
        assert regraded.status_code == 200
        for r in started:
            shown = (await api.client.get(f"{V1}/attempts/{r.json()['id']}", headers=cast.owner)).json()
            keys = {q["id"]: q["correct_answer"] for q in shown["questions"]}
            assert keys[target] == "new key", shown


async def test_racing_hand_grades_leave_one_consistent_score_history_and_events(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        await publish(api, cast.owner, course["id"])
        essay_only = [{**ESSAY_QUIZ[1], "points": 100}]
        quiz = await published_quiz(api, cast.owner, course["id"], questions=essay_only)
        (essay,) = (q["id"] for q in quiz["questions"])
        learner = await student_in(api, course["id"])
        attempt_id = (await start(api, learner, quiz["id"])).json()["id"]
        r = await submit(api, learner, attempt_id, [{"question_id": essay, "answer": "An essay."}])
        assert r.json()["grading_status"] == "pending_review"
        url = f"{V1}/attempts/{attempt_id}/answers/{essay}/grade"
        graded = await at_once(
            *(api.client.post(url, json={"points_earned": 10 * n}, headers=cast.owner) for n in range(CROWD))
        )
        assert [r.status_code for r in graded] == [200] * CROWD
        final = (await api.client.get(f"{V1}/attempts/{attempt_id}", headers=learner)).json()
        assert final["score"] == final["answers"][0]["points_earned"]  # 100 points in all
        history = (await api.client.get(f"{V1}/attempts/{attempt_id}/history", headers=learner)).json()
        assert history[0]["new_score"] == final["score"]
        assert history[-1]["old_score"] is None
        for newer, older in itertools.pairwise(history):
            assert newer["old_score"] == older["new_score"]  # one chain: no grade was lost
        sent = sorted(e["score"] for e in outbox(api, "attempt.graded", attempt_id=attempt_id))
        assert sent == sorted(h["new_score"] for h in history)


async def test_a_bank_never_ends_shorter_than_a_published_quiz_draws(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        bank = await new_bank(api, cast.owner, course["id"])
        questions = await fill(api, cast.owner, bank["id"], CROWD)
        draw = CROWD // 2
        quiz = await new_quiz(
            api, cast.owner, course["id"], question_pools=[{"bank_id": bank["id"], "count": draw}]
        )
        url = f"{V1}/question-banks/{bank['id']}/questions"
        published, *deleted = await at_once(
            api.client.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=cast.owner),
            *(api.client.delete(f"{url}/{q['id']}", headers=cast.owner) for q in questions),
        )
        assert published.status_code in (200, 400), published.text
        assert {r.status_code for r in deleted} <= {204, 409}
        left = (await api.client.get(f"{V1}/question-banks/{bank['id']}", headers=cast.owner)).json()
        assert left["question_count"] == CROWD - sum(r.status_code == 204 for r in deleted)
        state = (await api.client.get(f"{V1}/quizzes/{quiz['id']}", headers=cast.owner)).json()
        assert state["is_published"] == (published.status_code == 200)
        if state["is_published"]:
            assert left["question_count"] >= draw
        else:
            assert left["question_count"] == 0  # nothing held them: every delete went through


async def test_questions_added_to_a_bank_at_once_each_get_their_own_place(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        bank = await new_bank(api, cast.owner, course["id"])
        url = f"{V1}/question-banks/{bank['id']}"
        added = await at_once(
            *(
                api.client.post(
                    f"{url}/questions", json={**ESSAY_QUIZ[1], "question_text": f"Q{n}"}, headers=cast.owner
                )
                for n in range(CROWD)
            ),
            *(api.client.patch(url, json={"title": f"Bank {n}"}, headers=cast.owner) for n in range(CROWD)),
        )
        assert [r.status_code for r in added] == [201] * CROWD + [200] * CROWD
        listed = (
            await api.client.get(f"{url}/questions", params={"page_size": 100}, headers=cast.owner)
        ).json()
        assert listed["total"] == CROWD
        assert sorted(q["order"] for q in listed["items"]) == list(range(1, CROWD + 1))
        shown = (await api.client.get(url, headers=cast.owner)).json()
        assert shown["question_count"] == CROWD
        assert shown["title"] in {f"Bank {n}" for n in range(CROWD)}


async def test_a_bank_deleted_while_quizzes_take_it_into_their_pools_is_never_drawn_from_gone(
    api: Api, cast: Cast
) -> None:
    for _ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        bank = await new_bank(api, cast.owner, course["id"])
        await fill(api, cast.owner, bank["id"], 2)
        quizzes = [await new_quiz(api, cast.owner, course["id"]) for _ in range(CROWD)]
        pools = {"question_pools": [{"bank_id": bank["id"], "count": 1}]}
        deleted, *changed = await at_once(
            api.client.delete(f"{V1}/question-banks/{bank['id']}", headers=cast.owner),
            *(api.client.patch(f"{V1}/quizzes/{q['id']}", json=pools, headers=cast.owner) for q in quizzes),
        )
        assert deleted.status_code in (204, 409), deleted.text
        assert {r.status_code for r in changed} <= {200, 422}
        drawing = [r for r in changed if r.status_code == 200]
        if deleted.status_code == 204:  # every pool taken after it was refused (422), none kept
            assert (
                await api.client.get(f"{V1}/question-banks/{bank['id']}", headers=cast.owner)
            ).status_code == 404
            assert drawing == []
        else:
            assert drawing  # refused because a quiz had taken it
        for q in quizzes:
            shown = (await api.client.get(f"{V1}/quizzes/{q['id']}", headers=cast.owner)).json()
            expected = pools["question_pools"] if any(r.json()["id"] == q["id"] for r in drawing) else []
            assert shown["question_pools"] == expected
