"""Personal data export over HTTP through the real app, on SQLite and on PostgreSQL + Redis:
everything stored about a person (but credentials), to themself and to admins, and its entry in
the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api

__all__ = ["cast"]  # the fixture

PARTS = {"profile", "enrollments", "attempts", "certificates", "files", "staff_roles", "audit_entries"}


async def history(api: Api, cast: Cast, me: dict[str, str], my_id: str) -> dict[str, Any]:
    """A course finished with a quiz passed, its certificate, an uploaded file, a place on another
    course's staff: what the export must show."""
    course = await new_course(api, cast.owner, title="Exported Course")
    lessons = [(await new_lesson(api, cast.owner, course["id"], title=f"L{i}"))["id"] for i in range(2)]
    quiz = await api.client.post(
        f"{V1}/quizzes",
        json={
            "course_id": course["id"],
            "title": "Q",
            "questions": [
                {
                    "question_text": "2+2?",
                    "question_type": "multiple_choice",
                    "options": ["3", "4"],
                    "correct_answer": "4",
                }
            ],
        },
        headers=cast.owner,
    )
    quiz_id = quiz.json()["id"]
    assert (await api.client.post(f"{V1}/quizzes/{quiz_id}/publish", headers=cast.owner)).status_code == 200
    await publish(api, cast.owner, course["id"])
    enrollment = (
        await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=me)
    ).json()
    await api.client.post(f"{V1}/enrollments/{enrollment['id']}/lessons/{lessons[0]}/complete", headers=me)
    attempt = (await api.client.post(f"{V1}/quizzes/{quiz_id}/attempts", headers=me)).json()
    question_id = attempt["questions"][0]["id"]
    r = await api.client.post(
        f"{V1}/attempts/{attempt['id']}/submit",
        json={"answers": [{"question_id": question_id, "answer": "4"}]},
        headers=me,
    )
    assert r.status_code == 200, r.text
    await api.client.post(f"{V1}/enrollments/{enrollment['id']}/lessons/{lessons[1]}/complete", headers=me)
    cert = (
        await api.client.post(
            f"{V1}/certificates/generate", json={"enrollment_id": enrollment["id"]}, headers=me
        )
    ).json()
    upload = await api.client.post(
        f"{V1}/files/upload", files={"file": ("notes.pdf", b"%PDF-1.4 notes", "application/pdf")}, headers=me
    )
    assert upload.status_code == 201, upload.text
    other_course = await new_course(api, cast.owner, title="Assisted")
    r = await api.client.post(
        f"{V1}/courses/{other_course['id']}/staff",
        json={"user_id": my_id, "role": "teaching_assistant"},
        headers=cast.owner,
    )
    assert r.status_code == 201

    return {
        "course": course,
        "lessons": lessons,
        "enrollment": enrollment,
        "attempt": attempt,
        "question_id": question_id,
        "cert": cert,
        "upload": upload.json(),
        "other_course": other_course,
    }


async def test_an_export_holds_everything_stored_about_the_person(api: Api, cast: Cast) -> None:
    tokens = await api.register(full_name="Pat Export")
    me = api.auth(tokens)
    my_id = (await api.client.get(f"{V1}/users/me", headers=me)).json()["id"]
    h = await history(api, cast, me, my_id)
    lessons, enrollment, attempt, question_id = h["lessons"], h["enrollment"], h["attempt"], h["question_id"]
    cert, other_course = h["cert"], h["other_course"]
    r = await api.client.get(f"{V1}/users/me/export", headers=me)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert set(data) == PARTS
    profile = data["profile"]
    assert (profile["id"], profile["full_name"], profile["role"]) == (my_id, "Pat Export", "student")
    assert not {"password_hash", "mfa_secret", "credentials_version"} & set(profile)
    [enrolled] = data["enrollments"]
    assert (enrolled["id"], enrolled["course_title"], enrolled["progress_percentage"]) == (
        enrollment["id"],
        "Exported Course",
        100,
    )
    assert enrolled["completed_lesson_ids"] == lessons and enrolled["completed_at"]
    [taken] = data["attempts"]
    assert (taken["id"], taken["score"], taken["passed"], taken["status"], taken["grading_status"]) == (
        attempt["id"],
        100.0,
        True,
        "submitted",
        "graded",
    )
    assert taken["answers"][0]["question_id"] == question_id and taken["answers"][0]["answer"] == "4"
    assert [c["certificate_number"] for c in data["certificates"]] == [cert["certificate_number"]]
    assert [(f["id"], f["filename"], f["size"]) for f in data["files"]] == [
        (h["upload"]["id"], "notes.pdf", len(b"%PDF-1.4 notes"))
    ]
    assert [(s["course_id"], s["role"]) for s in data["staff_roles"]] == [
        (other_course["id"], "teaching_assistant")
    ]
    actions = [e["action"] for e in data["audit_entries"]]
    assert (
        "certificate.issued" in actions and "auth.login_succeeded" not in actions
    )  # registered, never signed in
    text = r.text
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text

    # the export is recorded; an admin exports the same person; others may not
    log = (
        await api.client.get(f"{V1}/audit-log", params={"action": "user.data_exported"}, headers=cast.admin)
    ).json()
    assert [(e["actor_id"], e["target_id"]) for e in log["items"]] == [(my_id, my_id)]
    by_admin = await api.client.get(f"{V1}/users/{my_id}/export", headers=cast.admin)
    assert by_admin.status_code == 200
    assert {k: v for k, v in by_admin.json().items() if k != "audit_entries"} == {
        k: v for k, v in data.items() if k != "audit_entries"
    }
    assert (await api.client.get(f"{V1}/users/{my_id}/export", headers=cast.owner)).status_code == 403
    assert (await api.client.get(f"{V1}/users/{my_id}/export", headers=cast.student)).status_code == 403
    unknown = await api.client.get(f"{V1}/users/{uuid.uuid4()}/export", headers=cast.admin)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "User not found"})
    assert (await api.client.get(f"{V1}/users/me/export")).status_code == 401


async def test_a_new_account_exports_empty_parts(api: Api) -> None:
    me = api.auth(await api.register())
    data: dict[str, Any] = (await api.client.get(f"{V1}/users/me/export", headers=me)).json()
    assert set(data) == PARTS
    assert all(data[part] == [] for part in PARTS - {"profile", "audit_entries"})
