"""Authoring quizzes and questions: roles, visibility, validation and redaction."""

from __future__ import annotations

import dataclasses
import math
import uuid
from typing import Any

import pytest

from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import QuestionType
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.changes import UNCHANGED
from lms_domain.shared.errors import Forbidden, InvalidField, InvalidRequest, NotFound
from lms_domain.shared.pagination import PageRequest
from tests.builders import actor
from tests.unit.assessment.harness import Assessment, sample_questions


async def test_owner_creates_an_unpublished_quiz_with_ordered_questions(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, publish=False, title="  Basics  ", time_limit_minutes=30)
    assert view.quiz.is_published is False
    assert view.quiz.title == "Basics"
    assert view.quiz.time_limit_minutes == 30
    assert view.include_answers is True
    assert [q.order for q in view.questions] == [1, 2, 3, 4]
    assert view.questions[0].correct_answer == "4"
    assert view.questions[1].correct_answer == ["a", "e"]
    assert view.questions[2].options == ("true", "false")  # filled in when omitted
    assert view.questions[3].options == ()
    assert len(lms.state.questions) == 4


async def test_questions_keep_explicit_orders_and_continue_after_them(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    first, second, *_ = sample_questions()
    view = await lms.quiz(
        owner,
        course,
        publish=False,
        questions=[dataclasses.replace(first, order=5), second],
    )
    assert [q.order for q in view.questions] == [5, 6]


async def test_admin_creates_a_quiz_in_someone_elses_course(
    lms: Assessment, owner: Actor, admin: Actor
) -> None:
    course = lms.course(owner, published=False)
    view = await lms.quiz(admin, course, publish=False)
    assert view.quiz.course_id == course.id


@pytest.mark.parametrize(
    ("published", "role", "error"),
    [
        (True, Role.INSTRUCTOR, Forbidden),
        (True, Role.STUDENT, Forbidden),
        (False, Role.INSTRUCTOR, NotFound),
        (False, Role.STUDENT, NotFound),
    ],
)
async def test_only_owner_or_admin_creates(
    lms: Assessment, owner: Actor, published: bool, role: Role, error: type[Exception]
) -> None:
    course = lms.course(owner, published=published)
    with pytest.raises(error):
        await lms.quiz(actor(role), course, publish=False)
    assert lms.state.quizzes == {}
    assert lms.state.questions == {}


async def test_quiz_for_a_missing_course_is_404(lms: Assessment, owner: Actor) -> None:
    with pytest.raises(NotFound):
        await lms.create_quiz(actor=owner, data=uc.NewQuiz(course_id=uuid.uuid4(), title="Q"))


async def test_lesson_must_belong_to_the_course(lms: Assessment, owner: Actor) -> None:
    course, other = lms.course(owner), lms.course(owner)
    lesson, foreign = lms.lesson(course), lms.lesson(other)
    view = await lms.quiz(owner, course, publish=False, lesson_id=lesson)
    assert view.quiz.lesson_id == lesson
    for bad in (foreign, uuid.uuid4()):
        with pytest.raises(InvalidField) as e:
            await lms.quiz(owner, course, publish=False, lesson_id=bad)
        assert e.value.field == "lesson_id"
    assert len(lms.state.quizzes) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 256),
        ("description", "x" * 5001),
        ("passing_score_percentage", -1),
        ("passing_score_percentage", 100.01),
        ("passing_score_percentage", math.nan),
        ("passing_score_percentage", math.inf),
        ("passing_score_percentage", True),
        ("time_limit_minutes", 0),
        ("time_limit_minutes", 10001),
        ("max_attempts", 0),
        ("max_attempts", 10001),
    ],
)
async def test_quiz_fields_out_of_range_are_422(
    lms: Assessment, owner: Actor, field: str, value: object
) -> None:
    course = lms.course(owner)
    fields: dict[str, Any] = {"title": "Quiz", field: value}
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, course, publish=False, **fields)
    assert e.value.field == field
    assert lms.state.quizzes == {}


@pytest.mark.parametrize(
    ("passing", "limit", "attempts"), [(0, 1, 1), (100, 10000, 10000), (62.5, None, None)]
)
async def test_quiz_fields_at_their_bounds_are_accepted(
    lms: Assessment, owner: Actor, passing: float, limit: int | None, attempts: int | None
) -> None:
    view = await lms.quiz(
        owner,
        lms.course(owner),
        publish=False,
        passing_score_percentage=passing,
        time_limit_minutes=limit,
        max_attempts=attempts,
    )
    assert (view.quiz.passing_score_percentage, view.quiz.time_limit_minutes, view.quiz.max_attempts) == (
        passing,
        limit,
        attempts,
    )


MC, MS, TF, SA = (
    QuestionType.MULTIPLE_CHOICE,
    QuestionType.MULTIPLE_SELECT,
    QuestionType.TRUE_FALSE,
    QuestionType.SHORT_ANSWER,
)


@pytest.mark.parametrize(
    ("kind", "options", "answer", "points", "text", "field"),
    [
        (MC, ["a", "b"], "c", 1, "Q", "correct_answer"),
        (MC, ["a", "b"], ["a"], 1, "Q", "correct_answer"),
        (MC, ["a"], "a", 1, "Q", "options"),
        (MC, None, "a", 1, "Q", "options"),
        (MC, ["a", "a"], "a", 1, "Q", "options"),
        (MC, ["a", " "], "a", 1, "Q", "options"),
        (MC, ["a", ""], "a", 1, "Q", "options"),
        (MC, ["a", "x" * 501], "a", 1, "Q", "options"),
        (MC, [str(i) for i in range(21)], "1", 1, "Q", "options"),
        (MS, ["a", "b", "c"], "a", 1, "Q", "correct_answer"),
        (MS, ["a", "b", "c"], [], 1, "Q", "correct_answer"),
        (MS, ["a", "b", "c"], ["a", "d"], 1, "Q", "correct_answer"),
        (MS, ["a", "b", "c"], ["a", "a"], 1, "Q", "correct_answer"),
        (TF, ["yes", "no"], "true", 1, "Q", "options"),
        (TF, ["true", "false", "maybe"], "true", 1, "Q", "options"),
        (TF, None, "True", 1, "Q", "correct_answer"),
        (TF, None, "yes", 1, "Q", "correct_answer"),
        (SA, ["a", "b"], "a", 1, "Q", "options"),
        (SA, None, "  ", 1, "Q", "correct_answer"),
        (SA, None, ["a"], 1, "Q", "correct_answer"),
        (MC, ["a", "b"], "a", 0, "Q", "points"),
        (MC, ["a", "b"], "a", 1001, "Q", "points"),
        (MC, ["a", "b"], "a", 1, "", "question_text"),
        (MC, ["a", "b"], "a", 1, "x" * 5001, "question_text"),
    ],
)
async def test_invalid_questions_are_422_with_the_field(
    lms: Assessment,
    owner: Actor,
    kind: QuestionType,
    options: list[str] | None,
    answer: object,
    points: int,
    text: str,
    field: str,
) -> None:
    course = lms.course(owner)
    question = uc.NewQuestion(
        question_text=text,
        question_type=kind,
        options=options,
        correct_answer=answer,  # type: ignore[arg-type]
        points=points,
    )
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, course, publish=False, questions=[question])
    assert e.value.field == field
    assert lms.state.quizzes == {}
    assert lms.state.questions == {}


async def test_unknown_question_type_is_422(lms: Assessment, owner: Actor) -> None:
    bad = uc.NewQuestion(question_text="Q", question_type="poem", correct_answer="x")  # type: ignore[arg-type]
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, lms.course(owner), publish=False, questions=[bad])
    assert e.value.field == "question_type"


async def test_valid_question_bounds(lms: Assessment, owner: Actor) -> None:
    questions = [
        uc.NewQuestion(
            question_text="x" * 5000,
            question_type=MS,
            options=[str(i) for i in range(20)],
            correct_answer=[str(i) for i in range(20)],
            points=1000,
        ),
        uc.NewQuestion(
            question_text="Q", question_type=TF, options=["false", "true"], correct_answer="false"
        ),
    ]
    view = await lms.quiz(owner, lms.course(owner), publish=False, questions=questions)
    assert view.questions[0].points == 1000
    assert view.questions[1].options == ("true", "false")


async def test_publishing_needs_a_question(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    empty = await lms.quiz(owner, course, publish=False, questions=[])
    with pytest.raises(InvalidRequest):
        await lms.publish_quiz(actor=owner, quiz_id=empty.quiz.id)
    with pytest.raises(InvalidRequest):
        await lms.update_quiz(actor=owner, quiz_id=empty.quiz.id, changes=uc.QuizChanges(is_published=True))
    assert lms.state.quizzes[empty.quiz.id].is_published is False
    full = await lms.quiz(owner, course, publish=False)
    published = await lms.update_quiz(
        actor=owner, quiz_id=full.quiz.id, changes=uc.QuizChanges(is_published=True)
    )
    assert published.quiz.is_published is True
    again = await lms.publish_quiz(actor=owner, quiz_id=full.quiz.id)
    assert again.quiz.is_published is True


@pytest.mark.parametrize(("quiz_published", "error"), [(True, Forbidden), (False, NotFound)])
async def test_other_users_cannot_edit_a_quiz(
    lms: Assessment, owner: Actor, other_instructor: Actor, quiz_published: bool, error: type[Exception]
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, publish=quiz_published)
    quiz_id, question_id = view.quiz.id, view.questions[0].id
    student = lms.enrolled_student(course)
    for intruder in (other_instructor, student):
        with pytest.raises(error):
            await lms.update_quiz(actor=intruder, quiz_id=quiz_id, changes=uc.QuizChanges(title="Mine"))
        with pytest.raises(error):
            await lms.publish_quiz(actor=intruder, quiz_id=quiz_id)
        with pytest.raises(error):
            await lms.delete_quiz(actor=intruder, quiz_id=quiz_id)
        with pytest.raises(error):
            await lms.add_question(actor=intruder, quiz_id=quiz_id, data=sample_questions()[0])
        with pytest.raises(error):
            await lms.update_question(
                actor=intruder, quiz_id=quiz_id, question_id=question_id, changes=uc.QuestionChanges(points=5)
            )
        with pytest.raises(error):
            await lms.delete_question(actor=intruder, quiz_id=quiz_id, question_id=question_id)
    assert lms.state.quizzes[quiz_id].title == "Quiz"
    assert len(lms.state.questions) == 4
    assert lms.state.questions[question_id].points == 2


async def test_published_quiz_in_an_unpublished_course_is_hidden_from_others(
    lms: Assessment, owner: Actor, other_instructor: Actor
) -> None:
    course = lms.course(owner, published=False)
    view = await lms.quiz(owner, course)
    with pytest.raises(NotFound):
        await lms.update_quiz(actor=other_instructor, quiz_id=view.quiz.id, changes=uc.QuizChanges(title="X"))
    with pytest.raises(NotFound):
        await lms.get_quiz(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)


async def test_unpublished_quiz_is_seen_only_by_owner_and_admin(
    lms: Assessment, owner: Actor, admin: Actor, other_instructor: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, publish=False)
    for outsider in (None, other_instructor, lms.enrolled_student(course)):
        with pytest.raises(NotFound):
            await lms.get_quiz(actor=outsider, quiz_id=view.quiz.id)
    for insider in (owner, admin):
        seen = await lms.get_quiz(actor=insider, quiz_id=view.quiz.id)
        assert seen.quiz.id == view.quiz.id
    with pytest.raises(NotFound):
        await lms.get_quiz(actor=owner, quiz_id=uuid.uuid4())


async def test_students_never_receive_correct_answers(
    lms: Assessment, owner: Actor, admin: Actor, other_instructor: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    for reader in (None, lms.enrolled_student(course), actor(Role.STUDENT), other_instructor):
        seen = await lms.get_quiz(actor=reader, quiz_id=view.quiz.id)
        assert seen.include_answers is False
        assert seen.question_count == 4
        assert [q.correct_answer for q in seen.questions] == [None] * 4
        assert [q.options for q in seen.questions] == [q.options for q in view.questions]
    for reader in (owner, admin):
        seen = await lms.get_quiz(actor=reader, quiz_id=view.quiz.id)
        assert [q.correct_answer for q in seen.questions] == ["4", ["a", "e"], "true", "Paris"]


async def test_list_shows_each_caller_what_they_may_see(
    lms: Assessment, owner: Actor, admin: Actor, other_instructor: Actor
) -> None:
    public, hidden = lms.course(owner), lms.course(owner, published=False)
    live = await lms.quiz(owner, public, title="Live")
    draft = await lms.quiz(owner, public, title="Draft", publish=False)
    secret = await lms.quiz(owner, hidden, title="Secret")
    theirs = await lms.quiz(other_instructor, lms.course(other_instructor), title="Theirs", publish=False)
    page = PageRequest()

    async def titles(who: Actor | None, **filters: Any) -> list[str]:
        result = await lms.list_quizzes(actor=who, page=page, **filters)
        assert result.total == len(result.items)
        return [s.quiz.title for s in result.items]

    assert await titles(None) == ["Live"]
    assert await titles(actor(Role.STUDENT)) == ["Live"]
    assert await titles(other_instructor) == ["Live", "Theirs"]
    assert await titles(owner) == ["Live", "Draft", "Secret"]
    assert await titles(owner, published_only=True) == ["Live", "Secret"]
    assert await titles(owner, course_id=hidden.id) == ["Secret"]
    assert await titles(admin) == ["Live", "Draft", "Secret", "Theirs"]
    result = await lms.list_quizzes(actor=owner, page=page, course_id=public.id)
    assert {s.quiz.id: s.question_count for s in result.items} == {live.quiz.id: 4, draft.quiz.id: 4}
    assert secret.quiz.id not in {s.quiz.id for s in result.items}
    assert theirs.quiz.course_id != public.id


async def test_list_filters_by_lesson_and_pages(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    lesson = lms.lesson(course)
    for i in range(5):
        await lms.quiz(owner, course, title=f"Q{i}", lesson_id=lesson if i % 2 == 0 else None)
        lms.clock.advance(seconds=1)
    by_lesson = await lms.list_quizzes(actor=None, page=PageRequest(), lesson_id=lesson)
    assert [s.quiz.title for s in by_lesson.items] == ["Q0", "Q2", "Q4"]
    second = await lms.list_quizzes(actor=None, page=PageRequest(page=2, page_size=2))
    assert [s.quiz.title for s in second.items] == ["Q2", "Q3"]
    assert (second.total, second.pages) == (5, 3)


async def test_update_changes_only_given_fields(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    lesson = lms.lesson(course)
    view = await lms.quiz(
        owner, course, publish=False, lesson_id=lesson, time_limit_minutes=30, max_attempts=3
    )
    lms.clock.advance(minutes=5)
    updated = await lms.update_quiz(
        actor=owner,
        quiz_id=view.quiz.id,
        changes=uc.QuizChanges(title="Renamed", time_limit_minutes=None, lesson_id=None),
    )
    stored = lms.state.quizzes[view.quiz.id]
    assert (stored.title, stored.time_limit_minutes, stored.lesson_id, stored.max_attempts) == (
        "Renamed",
        None,
        None,
        3,
    )
    assert stored.updated_at == lms.clock.now() != stored.created_at
    assert updated.quiz.title == "Renamed"


async def test_invalid_update_is_422_and_changes_nothing(lms: Assessment, owner: Actor) -> None:
    course, other = lms.course(owner), lms.course(owner)
    view = await lms.quiz(owner, course, publish=False)
    bad = [
        (uc.QuizChanges(title="Fine", passing_score_percentage=120), "passing_score_percentage"),
        (uc.QuizChanges(max_attempts=0), "max_attempts"),
        (uc.QuizChanges(lesson_id=lms.lesson(other)), "lesson_id"),
    ]
    for changes, field in bad:
        with pytest.raises(InvalidField) as e:
            await lms.update_quiz(actor=owner, quiz_id=view.quiz.id, changes=changes)
        assert e.value.field == field
    assert lms.state.quizzes[view.quiz.id] == view.quiz


async def test_delete_removes_questions_and_attempts(lms: Assessment, owner: Actor, admin: Actor) -> None:
    course = lms.course(owner)
    view, kept = await lms.quiz(owner, course), await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    await lms.start(actor=student, quiz_id=view.quiz.id)
    await lms.delete_quiz(actor=admin, quiz_id=view.quiz.id)
    assert set(lms.state.quizzes) == {kept.quiz.id}
    assert {q.quiz_id for q in lms.state.questions.values()} == {kept.quiz.id}
    assert lms.state.attempts == {}
    assert lms.stamp.renewals == 1  # the rules that named it changed: the catalog's copies too
    with pytest.raises(NotFound):
        await lms.delete_quiz(actor=owner, quiz_id=view.quiz.id)
    assert lms.stamp.renewals == 2  # cautious, as catalog writes: a refused one renews it too


async def test_add_question_goes_after_the_last(lms: Assessment, owner: Actor) -> None:
    view = await lms.quiz(owner, lms.course(owner), publish=False)
    added = await lms.add_question(actor=owner, quiz_id=view.quiz.id, data=sample_questions()[2])
    assert added.order == 5
    assert added.correct_answer == "true"
    explicit = await lms.add_question(
        actor=owner,
        quiz_id=view.quiz.id,
        data=dataclasses.replace(sample_questions()[3], order=2),
    )
    assert explicit.order == 2
    refreshed = await lms.get_quiz(actor=owner, quiz_id=view.quiz.id)
    assert [q.order for q in refreshed.questions] == [1, 2, 2, 3, 4, 5]


async def test_update_question_revalidates_the_whole_question(lms: Assessment, owner: Actor) -> None:
    view = await lms.quiz(owner, lms.course(owner), publish=False)
    mc = view.questions[0]
    with pytest.raises(InvalidField) as e:
        await lms.update_question(
            actor=owner,
            quiz_id=view.quiz.id,
            question_id=mc.id,
            changes=uc.QuestionChanges(options=["x", "y"]),
        )
    assert e.value.field == "correct_answer"
    changed = await lms.update_question(
        actor=owner,
        quiz_id=view.quiz.id,
        question_id=mc.id,
        changes=uc.QuestionChanges(options=["x", "y"], correct_answer="y", points=7),
    )
    assert (changed.options, changed.correct_answer, changed.points) == (("x", "y"), "y", 7)
    to_tf = await lms.update_question(
        actor=owner,
        quiz_id=view.quiz.id,
        question_id=mc.id,
        changes=uc.QuestionChanges(question_type=QuestionType.TRUE_FALSE, correct_answer="false"),
    )
    assert (to_tf.options, to_tf.correct_answer) == (("true", "false"), "false")
    to_sa = await lms.update_question(
        actor=owner,
        quiz_id=view.quiz.id,
        question_id=mc.id,
        changes=uc.QuestionChanges(question_type=QuestionType.SHORT_ANSWER, correct_answer=" Lyon "),
    )
    assert (to_sa.options, to_sa.correct_answer) == ((), "Lyon")
    stored = lms.state.questions[mc.id]
    assert (stored.question_type, stored.options, stored.correct_answer, stored.points) == (SA, [], "Lyon", 7)


async def test_question_of_another_quiz_is_404(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    one, two = await lms.quiz(owner, course, publish=False), await lms.quiz(owner, course, publish=False)
    foreign = two.questions[0].id
    with pytest.raises(NotFound):
        await lms.update_question(
            actor=owner, quiz_id=one.quiz.id, question_id=foreign, changes=uc.QuestionChanges(points=3)
        )
    with pytest.raises(NotFound):
        await lms.delete_question(actor=owner, quiz_id=one.quiz.id, question_id=foreign)
    assert foreign in lms.state.questions


async def test_a_published_quiz_keeps_its_last_question(lms: Assessment, owner: Actor) -> None:
    view = await lms.quiz(owner, lms.course(owner), questions=sample_questions()[:2])
    await lms.delete_question(actor=owner, quiz_id=view.quiz.id, question_id=view.questions[0].id)
    with pytest.raises(InvalidRequest):
        await lms.delete_question(actor=owner, quiz_id=view.quiz.id, question_id=view.questions[1].id)
    assert list(lms.state.questions) == [view.questions[1].id]
    draft = await lms.quiz(owner, lms.course(owner), publish=False, questions=sample_questions()[:1])
    await lms.delete_question(actor=owner, quiz_id=draft.quiz.id, question_id=draft.questions[0].id)
    assert await lms.get_quiz(actor=owner, quiz_id=draft.quiz.id) is not None


async def test_unset_changes_keep_every_field(lms: Assessment, owner: Actor) -> None:
    view = await lms.quiz(owner, lms.course(owner), publish=False)
    before = lms.state.questions[view.questions[1].id]
    after = await lms.update_question(
        actor=owner, quiz_id=view.quiz.id, question_id=before.id, changes=uc.QuestionChanges(order=UNCHANGED)
    )
    assert (list(after.options), after.correct_answer, after.points, after.order) == (
        before.options,
        before.correct_answer,
        before.points,
        before.order,
    )
