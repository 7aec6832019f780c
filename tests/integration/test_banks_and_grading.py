"""Question banks, pools, snapshots, essays graded by hand and regrades over HTTP, through the real
app on SQLite and on PostgreSQL + Redis: who may do what, what an attempt is given and keeps, and
how its score, history, events and gradebook row follow each grade."""

from __future__ import annotations

from typing import Any

from tests.integration.catalog_support import V1, Cast, cast, new_course, publish
from tests.integration.conftest import Api, json_body, outbox
from tests.integration.test_assessment import enroll, start, submit

__all__ = ["cast"]  # the fixture


async def me(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get(f"{V1}/users/me", headers=headers)).json()["id"])


async def staff(api: Api, by: dict[str, str], course_id: str, role: str) -> dict[str, str]:
    """A new user put on the course's staff in ``role``."""
    headers = api.auth(await api.register())
    r = await api.client.post(
        f"{V1}/courses/{course_id}/staff", json={"user_id": await me(api, headers), "role": role}, headers=by
    )
    assert r.status_code == 201, r.text
    return headers


async def new_bank(api: Api, by: dict[str, str], course_id: str, title: str = "Bank") -> dict[str, Any]:
    r = await api.client.post(f"{V1}/courses/{course_id}/question-banks", json={"title": title}, headers=by)
    assert r.status_code == 201, r.text
    return json_body(r)


def short(n: int, points: int = 1) -> dict[str, Any]:
    return {
        "question_text": f"Word {n}?",
        "question_type": "short_answer",
        "correct_answer": f"w{n}",
        "points": points,
    }


async def fill(api: Api, by: dict[str, str], bank_id: str, count: int) -> list[dict[str, Any]]:
    made = []
    for n in range(count):
        r = await api.client.post(f"{V1}/question-banks/{bank_id}/questions", json=short(n), headers=by)
        assert r.status_code == 201, r.text
        made.append(json_body(r))
    return made


async def new_quiz(api: Api, by: dict[str, str], course_id: str, **fields: Any) -> dict[str, Any]:
    r = await api.client.post(
        f"{V1}/quizzes", json={"course_id": course_id, "title": "Quiz", **fields}, headers=by
    )
    assert r.status_code == 201, r.text
    return json_body(r)


async def published_quiz(api: Api, by: dict[str, str], course_id: str, **fields: Any) -> dict[str, Any]:
    quiz = await new_quiz(api, by, course_id, **fields)
    r = await api.client.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=by)
    assert r.status_code == 200, r.text
    return json_body(r)


async def student_in(api: Api, course_id: str) -> dict[str, str]:
    headers = api.auth(await api.register())
    await enroll(api, headers, course_id)
    return headers


async def test_banks_are_for_course_editors_and_readable_by_teaching_assistants(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    await publish(api, cast.owner, course["id"])
    co = await staff(api, cast.owner, course["id"], "co_instructor")
    ta = await staff(api, cast.owner, course["id"], "teaching_assistant")
    bank = await new_bank(api, co, course["id"], "Week 1")
    assert set(bank) == {"id", "course_id", "title", "question_count", "created_at", "updated_at"}
    assert (bank["course_id"], bank["title"], bank["question_count"]) == (course["id"], "Week 1", 0)
    url = f"{V1}/question-banks/{bank['id']}"
    (question,) = await fill(api, cast.owner, bank["id"], 1)
    assert (question["quiz_id"], question["bank_id"], question["correct_answer"]) == (None, bank["id"], "w0")
    for reader in (cast.owner, co, ta, cast.admin):
        assert (await api.client.get(url, headers=reader)).json()["question_count"] == 1
        listed = (await api.client.get(f"{url}/questions", headers=reader)).json()
        assert [q["correct_answer"] for q in listed["items"]] == ["w0"]
        banks = (await api.client.get(f"{V1}/courses/{course['id']}/question-banks", headers=reader)).json()
        assert [b["id"] for b in banks["items"]] == [bank["id"]]
    # a teaching assistant reads but does not write
    assert (await api.client.patch(url, json={"title": "x"}, headers=ta)).status_code == 403
    assert (await api.client.post(f"{url}/questions", json=short(9), headers=ta)).status_code == 403
    assert (await api.client.delete(url, headers=ta)).status_code == 403
    r = await api.client.post(f"{V1}/courses/{course['id']}/question-banks", json={"title": "t"}, headers=ta)
    assert r.status_code == 403
    # everyone else is told nothing exists, even of a published course
    enrolled = await student_in(api, course["id"])
    for stranger in (cast.other, enrolled):
        for call in (
            api.client.get(url, headers=stranger),
            api.client.get(f"{url}/questions", headers=stranger),
            api.client.patch(url, json={"title": "x"}, headers=stranger),
            api.client.delete(f"{url}/questions/{question['id']}", headers=stranger),
            api.client.get(f"{V1}/courses/{course['id']}/question-banks", headers=stranger),
        ):
            assert (await call).status_code == 404
    assert (await api.client.get(url)).status_code == 401
    # editors change and delete
    r = await api.client.patch(url, json={"title": "Week one"}, headers=co)
    assert (r.status_code, r.json()["title"]) == (200, "Week one")
    r = await api.client.patch(f"{url}/questions/{question['id']}", json={"points": 5}, headers=co)
    assert (r.status_code, r.json()["points"]) == (200, 5)
    assert (await api.client.delete(f"{url}/questions/{question['id']}", headers=co)).status_code == 204
    assert (await api.client.delete(url, headers=co)).status_code == 204
    assert (await api.client.get(url, headers=cast.owner)).status_code == 404


async def test_bank_questions_are_validated_like_quiz_questions(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    bank = await new_bank(api, cast.owner, course["id"])
    url = f"{V1}/question-banks/{bank['id']}/questions"
    essay = {"question_text": "Explain", "question_type": "essay", "points": 5}
    r = await api.client.post(url, json=essay, headers=cast.owner)
    assert (r.status_code, r.json()["correct_answer"]) == (201, None)
    for bad, field in (
        ({**essay, "correct_answer": "x"}, "correct_answer"),
        ({**essay, "options": ["a", "b"]}, "options"),
        ({**short(1), "correct_answer": None}, "correct_answer"),
        ({**short(1), "question_type": "numeric", "correct_answer": "1e3"}, "correct_answer"),
    ):
        r = await api.client.post(url, json=bad, headers=cast.owner)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["detail"][0]["loc"][-1] == field, r.text


async def test_pools_draw_distinct_questions_and_attempts_keep_what_they_were_given(
    api: Api, cast: Cast
) -> None:
    course = await new_course(api, cast.owner)
    await publish(api, cast.owner, course["id"])
    bank = await new_bank(api, cast.owner, course["id"])
    pool_questions = await fill(api, cast.owner, bank["id"], 6)
    own = {"question_text": "Own?", "question_type": "true_false", "correct_answer": "true", "points": 1}
    quiz = await published_quiz(
        api, cast.owner, course["id"], questions=[own], question_pools=[{"bank_id": bank["id"], "count": 3}]
    )
    assert quiz["question_pools"] == [{"bank_id": bank["id"], "count": 3}]
    drawn_sets = set()
    first: dict[str, Any] = {}
    for n in range(8):
        learner = await student_in(api, course["id"])
        attempt = (await start(api, learner, quiz["id"])).json()
        given = attempt["questions"]
        assert len(given) == 4 and given[0]["question_text"] == "Own?"
        drawn = given[1:]
        assert len({q["id"] for q in drawn}) == 3
        assert all(q["bank_id"] == bank["id"] and q["quiz_id"] is None for q in drawn)
        assert all("correct_answer" not in q for q in given)
        drawn_sets.add(frozenset(q["id"] for q in drawn))
        if n == 0:
            first = {"attempt": attempt, "headers": learner}
    assert len(drawn_sets) > 1  # random draws (the chance of 8 equal ones is below 1e-9)
    attempt, learner = first["attempt"], first["headers"]
    drawn_ids = [q["id"] for q in attempt["questions"][1:]]
    not_drawn = next(q for q in pool_questions if q["id"] not in drawn_ids)
    # the bank changes after the start: the attempt shows and grades what it was given
    by_id = {q["id"]: q for q in pool_questions}
    edited = drawn_ids[0]
    r = await api.client.patch(
        f"{V1}/question-banks/{bank['id']}/questions/{edited}",
        json={"question_text": "Changed", "correct_answer": "other"},
        headers=cast.owner,
    )
    assert r.status_code == 200
    again = (await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=learner)).json()
    assert again["questions"] == attempt["questions"]
    r = await submit(api, learner, attempt["id"], [{"question_id": not_drawn["id"], "answer": "w0"}])
    assert r.status_code == 422, r.text
    answers = [{"question_id": attempt["questions"][0]["id"], "answer": "true"}] + [
        {"question_id": i, "answer": by_id[i]["correct_answer"]} for i in drawn_ids
    ]
    r = await submit(api, learner, attempt["id"], answers)
    assert (r.status_code, r.json()["score"], r.json()["grading_status"]) == (200, 100.0, "graded")
    assert [q["question_text"] for q in r.json()["questions"]] == [
        q["question_text"] for q in attempt["questions"]
    ]


async def test_what_a_quiz_may_draw_and_what_a_drawn_bank_keeps(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    other_course = await new_course(api, cast.owner)
    bank = await new_bank(api, cast.owner, course["id"])
    foreign = await new_bank(api, cast.owner, other_course["id"])
    questions = await fill(api, cast.owner, bank["id"], 3)
    for pools, status in (
        ([{"bank_id": bank["id"], "count": 0}], 422),
        ([{"bank_id": foreign["id"], "count": 1}], 422),
        ([{"bank_id": str(questions[0]["id"]), "count": 1}], 422),  # not a bank
        ([{"bank_id": bank["id"], "count": 1}, {"bank_id": bank["id"], "count": 1}], 422),
    ):
        r = await api.client.post(
            f"{V1}/quizzes",
            json={"course_id": course["id"], "title": "Q", "question_pools": pools},
            headers=cast.owner,
        )
        assert r.status_code == status, (pools, r.text)
    empty = await new_quiz(api, cast.owner, course["id"])
    r = await api.client.post(f"{V1}/quizzes/{empty['id']}/publish", headers=cast.owner)
    assert r.status_code == 400  # neither questions nor pools
    greedy = await new_quiz(
        api, cast.owner, course["id"], question_pools=[{"bank_id": bank["id"], "count": 4}]
    )
    r = await api.client.post(f"{V1}/quizzes/{greedy['id']}/publish", headers=cast.owner)
    assert r.status_code == 400, r.text
    r = await api.client.patch(
        f"{V1}/quizzes/{greedy['id']}", json={"is_published": True}, headers=cast.owner
    )
    assert r.status_code == 400
    # an unpublished quiz drawing 4 does not hold the bank's questions; a published one drawing 3 does
    url = f"{V1}/question-banks/{bank['id']}"
    r = await api.client.patch(
        f"{V1}/quizzes/{greedy['id']}",
        json={"question_pools": [{"bank_id": bank["id"], "count": 3}], "is_published": True},
        headers=cast.owner,
    )
    assert (r.status_code, r.json()["is_published"]) == (200, True), r.text
    r = await api.client.delete(f"{url}/questions/{questions[0]['id']}", headers=cast.owner)
    assert r.status_code == 409, r.text
    assert (await api.client.delete(url, headers=cast.owner)).status_code == 409
    r = await api.client.patch(
        f"{V1}/quizzes/{greedy['id']}",
        json={"question_pools": [{"bank_id": bank["id"], "count": 5}]},
        headers=cast.owner,
    )
    assert r.status_code == 400  # a published quiz's new pools are checked too
    await fill(api, cast.owner, bank["id"], 1)
    r = await api.client.delete(f"{url}/questions/{questions[0]['id']}", headers=cast.owner)
    assert r.status_code == 204
    r = await api.client.patch(
        f"{V1}/quizzes/{greedy['id']}", json={"question_pools": []}, headers=cast.owner
    )
    assert r.status_code == 400  # published, and now with nothing to ask
    assert (await api.client.delete(f"{V1}/quizzes/{greedy['id']}", headers=cast.owner)).status_code == 204
    assert (await api.client.delete(url, headers=cast.owner)).status_code == 204


ESSAY_QUIZ = [
    {
        "question_text": "2 + 2?",
        "question_type": "multiple_choice",
        "options": ["3", "4"],
        "correct_answer": "4",
        "points": 2,
    },
    {"question_text": "Explain recursion", "question_type": "essay", "points": 8},
]


async def test_essays_wait_for_a_grader_and_the_attempt_is_scored_once_all_are_graded(
    api: Api, cast: Cast
) -> None:
    course = await new_course(api, cast.owner)
    await publish(api, cast.owner, course["id"])
    ta = await staff(api, cast.owner, course["id"], "teaching_assistant")
    quiz = await published_quiz(
        api, cast.owner, course["id"], questions=ESSAY_QUIZ, passing_score_percentage=80
    )
    mc, essay = (q["id"] for q in quiz["questions"])
    learner = await student_in(api, course["id"])
    blank_writer = await student_in(api, course["id"])
    # a blank essay needs no review: graded at once
    blank = (await start(api, blank_writer, quiz["id"])).json()
    r = await submit(
        api,
        blank_writer,
        blank["id"],
        [{"question_id": mc, "answer": "4"}, {"question_id": essay, "answer": "  "}],
    )
    assert (r.json()["grading_status"], r.json()["score"]) == ("graded", 20.0)
    attempt = (await start(api, learner, quiz["id"])).json()
    sent = [{"question_id": mc, "answer": "4"}, {"question_id": essay, "answer": "It calls itself."}]
    r = await submit(api, learner, attempt["id"], sent)
    body = r.json()
    assert (body["status"], body["grading_status"], body["score"], body["passed"]) == (
        "submitted",
        "pending_review",
        None,
        None,
    )
    assert [(a["pending"], a["points_earned"]) for a in body["answers"]] == [(False, 2.0), (True, None)]
    assert outbox(api, "attempt.graded", attempt_id=attempt["id"]) == []
    queue_url = f"{V1}/quizzes/{quiz['id']}/grading-queue"
    for grader in (cast.owner, ta, cast.admin):
        queue = (await api.client.get(queue_url, headers=grader)).json()
        assert [a["id"] for a in queue["items"]] == [attempt["id"]]
    assert (await api.client.get(queue_url, headers=learner)).status_code == 403
    assert (await api.client.get(queue_url, headers=cast.other)).status_code == 403  # sees the quiz
    grade_url = f"{V1}/attempts/{attempt['id']}/answers/{essay}/grade"
    assert (await api.client.post(grade_url, json={"points_earned": 8}, headers=learner)).status_code == 403
    assert (
        await api.client.post(grade_url, json={"points_earned": 8}, headers=cast.other)
    ).status_code == 404
    r = await api.client.post(grade_url, json={"points_earned": 8.5}, headers=ta)
    assert (r.status_code, r.json()["detail"][0]["loc"][-1]) == (422, "points_earned")
    r = await api.client.post(
        f"{V1}/attempts/{attempt['id']}/answers/{mc}/grade", json={"points_earned": 1}, headers=ta
    )
    assert r.status_code == 409
    r = await api.client.post(
        grade_url, json={"points_earned": 4.5, "feedback": "Give an example."}, headers=ta
    )
    graded = r.json()
    assert (r.status_code, graded["grading_status"], graded["score"], graded["passed"]) == (
        200,
        "graded",
        65.0,
        False,
    )
    assert graded["answers"][1] == {
        "question_id": essay,
        "answer": "It calls itself.",
        "correct": False,
        "points_earned": 4.5,
        "pending": False,
        "feedback": "Give an example.",
    }
    assert (await api.client.get(queue_url, headers=ta)).json()["items"] == []
    seen = (await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=learner)).json()
    assert seen["answers"] == graded["answers"]
    assert [e["score"] for e in outbox(api, "attempt.graded", attempt_id=attempt["id"])] == [65.0]
    # graded again later: the score, passed, the history and a new event follow
    r = await api.client.post(grade_url, json={"points_earned": 8, "feedback": "Good."}, headers=cast.owner)
    assert (r.json()["score"], r.json()["passed"]) == (100.0, True)
    r = await api.client.post(
        grade_url, json={"points_earned": 8, "feedback": "Very good."}, headers=cast.owner
    )
    assert r.json()["answers"][1]["feedback"] == "Very good."
    assert [(e["score"], e["passed"]) for e in outbox(api, "attempt.graded", attempt_id=attempt["id"])] == [
        (65.0, False),
        (100.0, True),
    ]
    history = (await api.client.get(f"{V1}/attempts/{attempt['id']}/history", headers=learner)).json()
    assert [(h["old_score"], h["new_score"], h["question_id"]) for h in history] == [
        (65.0, 100.0, essay),
        (None, 65.0, essay),
    ]
    owner_id = await me(api, cast.owner)
    assert history[0]["actor_id"] == owner_id
    assert (
        await api.client.get(f"{V1}/attempts/{attempt['id']}/history", headers=cast.other)
    ).status_code == 404
    # the gradebook counts the graded score
    book = (await api.client.get(f"{V1}/courses/{course['id']}/gradebook", headers=ta)).json()
    scores = {row["student_id"]: row["quizzes"][0] for row in book["items"]}
    assert scores[await me(api, learner)] == {
        "quiz_id": quiz["id"],
        "best_score": 100.0,
        "attempts": 1,
        "passed": True,
    }


async def test_regrades_change_submitted_attempts_and_open_ones_take_the_new_key(
    api: Api, cast: Cast
) -> None:
    course = await new_course(api, cast.owner)
    await publish(api, cast.owner, course["id"])
    ta = await staff(api, cast.owner, course["id"], "teaching_assistant")
    bank = await new_bank(api, cast.owner, course["id"])
    (banked,) = await fill(api, cast.owner, bank["id"], 1)
    mc = {**ESSAY_QUIZ[0], "points": 1}
    quizzes = [
        await published_quiz(
            api,
            cast.owner,
            course["id"],
            questions=[mc],
            question_pools=[{"bank_id": bank["id"], "count": 1}],
        )
        for _ in range(2)
    ]
    first = quizzes[0]
    mc_id = first["questions"][0]["id"]
    done: list[tuple[str, dict[str, str]]] = []
    for answer in ("3", "4", "3"):
        learner = await student_in(api, course["id"])
        attempt = (await start(api, learner, first["id"])).json()
        r = await submit(
            api,
            learner,
            attempt["id"],
            [{"question_id": mc_id, "answer": answer}, {"question_id": banked["id"], "answer": "w0"}],
        )
        assert r.status_code == 200
        done.append((attempt["id"], learner))
    late = await student_in(api, course["id"])
    still_open = (await start(api, late, first["id"])).json()
    url = f"{V1}/quizzes/{first['id']}/questions/{mc_id}/regrade"
    body = {"correct_answer": "3", "reason": "The key was wrong"}
    assert (await api.client.post(url, json=body, headers=ta)).status_code == 403
    assert (await api.client.post(url, json=body, headers=cast.other)).status_code == 403
    r = await api.client.post(url, json={"correct_answer": "5", "reason": ""}, headers=cast.owner)
    assert r.status_code == 422  # not one of the options
    r = await api.client.post(url, json=body, headers=cast.owner)
    assert (r.status_code, r.json()) == (200, {"attempts_regraded": 3, "scores_changed": 3})
    scores = [(await api.client.get(f"{V1}/attempts/{a}", headers=who)).json()["score"] for a, who in done]
    assert scores == [100.0, 50.0, 100.0]
    history = (await api.client.get(f"{V1}/attempts/{done[1][0]}/history", headers=done[1][1])).json()
    assert [(h["old_score"], h["new_score"], h["reason"]) for h in history] == [
        (100.0, 50.0, "The key was wrong")
    ]
    assert len(outbox(api, "attempt.graded", attempt_id=done[1][0])) == 2
    r = await submit(api, late, still_open["id"], [{"question_id": mc_id, "answer": "3"}])
    assert r.json()["score"] == 50.0  # graded with the new key
    # the bank question, drawn by both quizzes' attempts
    other_learner = await student_in(api, course["id"])
    other_attempt = (await start(api, other_learner, quizzes[1]["id"])).json()
    await submit(api, other_learner, other_attempt["id"], [{"question_id": banked["id"], "answer": "w0"}])
    r = await api.client.post(
        f"{V1}/question-banks/{bank['id']}/questions/{banked['id']}/regrade",
        json={"correct_answer": "w1", "reason": "typo"},
        headers=cast.owner,
    )
    assert (r.status_code, r.json()) == (200, {"attempts_regraded": 5, "scores_changed": 4})
    again = (await api.client.get(f"{V1}/attempts/{other_attempt['id']}", headers=other_learner)).json()
    assert again["score"] == 0.0
    owner_view = (await api.client.get(f"{V1}/attempts/{other_attempt['id']}", headers=cast.owner)).json()
    assert [q.get("correct_answer") for q in owner_view["questions"] if q["id"] == banked["id"]] == ["w1"]


async def test_openapi_documents_the_new_endpoints(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    expected = {
        ("/api/v1/courses/{course_id}/question-banks", "post"): {"201", "401", "403", "404", "422"},
        ("/api/v1/question-banks/{bank_id}", "delete"): {"204", "401", "403", "404", "409"},
        ("/api/v1/question-banks/{bank_id}/questions/{question_id}", "delete"): {"204", "403", "404", "409"},
        ("/api/v1/quizzes/{quiz_id}/grading-queue", "get"): {"200", "401", "403", "404"},
        ("/api/v1/attempts/{attempt_id}/answers/{question_id}/grade", "post"): {
            "200",
            "403",
            "404",
            "409",
            "422",
        },
        ("/api/v1/quizzes/{quiz_id}/questions/{question_id}/regrade", "post"): {"200", "403", "404", "422"},
        ("/api/v1/question-banks/{bank_id}/questions/{question_id}/regrade", "post"): {
            "200",
            "403",
            "404",
            "422",
        },
        ("/api/v1/attempts/{attempt_id}/history", "get"): {"200", "401", "404"},
    }
    for (path, method), statuses in expected.items():
        documented = set(paths[path][method]["responses"])
        assert statuses <= documented, (path, method, documented)


async def test_deleting_a_course_takes_its_banks_and_the_quizzes_drawing_from_them(
    api: Api, cast: Cast
) -> None:
    course = await new_course(api, cast.owner)
    await publish(api, cast.owner, course["id"])
    bank = await new_bank(api, cast.owner, course["id"])
    await fill(api, cast.owner, bank["id"], 2)
    quiz = await published_quiz(
        api, cast.owner, course["id"], question_pools=[{"bank_id": bank["id"], "count": 2}]
    )
    learner = await student_in(api, course["id"])
    attempt = (await start(api, learner, quiz["id"])).json()
    assert (await api.client.delete(f"{V1}/courses/{course['id']}", headers=cast.owner)).status_code == 204
    for url in (f"{V1}/question-banks/{bank['id']}", f"{V1}/quizzes/{quiz['id']}"):
        assert (await api.client.get(url, headers=cast.admin)).status_code == 404
    assert (await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=learner)).status_code == 404
