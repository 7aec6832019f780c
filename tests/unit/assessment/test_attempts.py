"""Taking quizzes: starting, reading and submitting attempts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from fractions import Fraction

import pytest

from lms_adapters.memory.assessment import MemoryAttemptRepository
from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import AttemptStatus, QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from tests.builders import actor
from tests.unit.assessment.harness import RIGHT, Assessment, answers_for


async def test_start_needs_enrollment(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    for outsider in (actor(Role.STUDENT), owner, actor(Role.ADMIN)):
        with pytest.raises(Forbidden):
            await lms.start(actor=outsider, quiz_id=view.quiz.id)
    assert lms.state.attempts == {}


async def test_start_needs_a_published_quiz(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    student = lms.enrolled_student(course)
    draft = await lms.quiz(owner, course, publish=False)
    for quiz_id in (draft.quiz.id, uuid.uuid4()):
        with pytest.raises(NotFound):
            await lms.start(actor=student, quiz_id=quiz_id)
    lms.enroll(owner, course)
    with pytest.raises(NotFound):
        await lms.start(actor=owner, quiz_id=draft.quiz.id)
    assert lms.state.attempts == {}


async def test_an_unenrolled_student_cannot_learn_of_an_unpublished_quiz(
    lms: Assessment, owner: Actor
) -> None:
    draft = await lms.quiz(owner, lms.course(owner), publish=False)
    with pytest.raises(NotFound):
        await lms.start(actor=actor(Role.STUDENT), quiz_id=draft.quiz.id)


async def test_start_opens_an_attempt_in_authored_order(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    attempt = started.attempt
    assert attempt.status is AttemptStatus.OPEN
    assert (attempt.student_id, attempt.started_at, attempt.ended_at) == (
        student.user_id,
        lms.clock.now(),
        None,
    )
    assert (attempt.score, attempt.passed, attempt.answers) == (None, None, [])
    assert attempt.question_order == [q.id for q in view.questions]
    assert [q.id for q in started.questions] == attempt.question_order
    assert started.deadline is None
    assert lms.state.attempts[attempt.id] == attempt


async def test_one_open_attempt_per_student_and_quiz(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view, other = await lms.quiz(owner, course), await lms.quiz(owner, course)
    student, classmate = lms.enrolled_student(course), lms.enrolled_student(course)
    first = await lms.start(actor=student, quiz_id=view.quiz.id)
    with pytest.raises(Conflict):
        await lms.start(actor=student, quiz_id=view.quiz.id)
    await lms.start(actor=student, quiz_id=other.quiz.id)
    await lms.start(actor=classmate, quiz_id=view.quiz.id)
    assert len(lms.state.attempts) == 3
    await lms.submit(actor=student, attempt_id=first.attempt.id, answers=[])
    again = await lms.start(actor=student, quiz_id=view.quiz.id)
    assert again.attempt.id != first.attempt.id


async def test_the_repository_refuses_a_second_open_attempt(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    started = await lms.start(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)
    twin = started.attempt
    twin.id = uuid.uuid4()
    with pytest.raises(AttemptOpen):
        await MemoryAttemptRepository(lms.state).add(twin)


async def test_max_attempts_caps_submitted_attempts(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, max_attempts=2)
    student = lms.enrolled_student(course)
    for _ in range(2):
        started = await lms.start(actor=student, quiz_id=view.quiz.id)
        await lms.submit(actor=student, attempt_id=started.attempt.id, answers=[])
    with pytest.raises(Conflict):
        await lms.start(actor=student, quiz_id=view.quiz.id)
    assert len(lms.state.attempts) == 2
    await lms.start(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)  # per student


async def test_shuffle_stores_a_permutation_per_attempt(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    questions = [
        uc.NewQuestion(question_text=f"Q{i}", question_type=QuestionType.SHORT_ANSWER, correct_answer=str(i))
        for i in range(12)
    ]
    view = await lms.quiz(owner, course, shuffle_questions=True, questions=questions)
    authored = [q.id for q in view.questions]
    orders = []
    for _ in range(3):
        student = lms.enrolled_student(course)
        started = await lms.start(actor=student, quiz_id=view.quiz.id)
        stored = lms.state.attempts[started.attempt.id].question_order
        assert sorted(stored) == sorted(authored)
        assert [q.id for q in started.questions] == stored
        fetched = await lms.get_attempt(actor=student, attempt_id=started.attempt.id)
        assert [q.id for q in fetched.questions] == stored
        orders.append(stored)
    assert len({tuple(o) for o in orders}) == 3  # 12! orders: a seeded shuffle does not repeat here
    assert authored not in orders


async def test_attempt_is_seen_by_student_owner_and_admin_only(
    lms: Assessment, owner: Actor, other_instructor: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    for reader in (student, owner, actor(Role.ADMIN)):
        seen = await lms.get_attempt(actor=reader, attempt_id=started.attempt.id)
        assert seen.attempt.id == started.attempt.id
    for outsider in (lms.enrolled_student(course), other_instructor):
        with pytest.raises(NotFound):
            await lms.get_attempt(actor=outsider, attempt_id=started.attempt.id)
    with pytest.raises(NotFound):
        await lms.get_attempt(actor=student, attempt_id=uuid.uuid4())


async def test_submit_grades_the_attempt(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, passing_score_percentage=60)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    lms.clock.advance(minutes=3)
    # right: multiple choice (2), short answer (4); wrong: multi-select subset (3); unanswered: true/false (1)
    answers = answers_for(view, {0: "4", 1: ["a"], 3: " PARIS"})
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers)
    attempt = done.attempt
    assert (attempt.status, attempt.score, attempt.passed, attempt.ended_at) == (
        AttemptStatus.SUBMITTED,
        60.0,
        True,
        lms.clock.now(),
    )
    assert [(r.answer, r.correct, r.points_earned) for r in attempt.answers] == [
        ("4", True, Fraction(2)),
        (["a"], False, Fraction(0)),
        (None, False, Fraction(0)),
        (" PARIS", True, Fraction(4)),
    ]
    assert lms.state.attempts[attempt.id] == attempt


async def test_a_fully_correct_submission_scores_100(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, passing_score_percentage=100)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    assert (done.attempt.score, done.attempt.passed) == (100.0, True)


async def test_just_under_the_threshold_fails(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, passing_score_percentage=60.01)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    done = await lms.submit(
        actor=student, attempt_id=started.attempt.id, answers=answers_for(view, {0: "4", 3: "paris"})
    )
    assert (done.attempt.score, done.attempt.passed) == (60.0, False)


async def test_submitting_twice_is_409(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    first = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    with pytest.raises(Conflict):
        await lms.submit(actor=student, attempt_id=started.attempt.id, answers=[])
    assert lms.state.attempts[started.attempt.id] == first.attempt


async def test_finish_succeeds_only_while_the_attempt_is_open(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    started = await lms.start(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)
    repo, attempt = MemoryAttemptRepository(lms.state), started.attempt
    attempt.submit(answers=[], score=0.0, passed=False, now=lms.clock.now())
    assert await repo.finish(attempt) is True
    attempt.score = 100.0
    assert await repo.finish(attempt) is False
    assert lms.state.attempts[attempt.id].score == 0.0


async def test_only_the_attempts_student_submits(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    for other in (owner, actor(Role.ADMIN), lms.enrolled_student(course)):
        with pytest.raises(NotFound):
            await lms.submit(actor=other, attempt_id=started.attempt.id, answers=[])
    with pytest.raises(NotFound):
        await lms.submit(actor=student, attempt_id=uuid.uuid4(), answers=[])
    assert lms.state.attempts[started.attempt.id].is_open


async def test_answer_to_a_foreign_question_is_422_and_keeps_the_attempt_open(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    view, other = await lms.quiz(owner, course), await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    for bad in (
        [SubmittedAnswer(question_id=other.questions[0].id, answer="4")],
        [SubmittedAnswer(question_id=uuid.uuid4(), answer="4")],
        answers_for(view, {0: "4"}) * 2,
    ):
        with pytest.raises(InvalidField) as e:
            await lms.submit(actor=student, attempt_id=started.attempt.id, answers=bad)
        assert e.value.field == "answers"
    assert lms.state.attempts[started.attempt.id] == started.attempt


async def test_submission_within_the_grace_period_is_graded(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, time_limit_minutes=10)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    assert started.deadline == started.attempt.started_at + timedelta(minutes=10)
    lms.clock.advance(minutes=10, seconds=60)
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    assert (done.attempt.status, done.attempt.score) == (AttemptStatus.SUBMITTED, 100.0)


async def test_late_submission_closes_the_attempt_with_zero_and_is_409(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, time_limit_minutes=10, passing_score_percentage=0)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    lms.clock.advance(minutes=10, seconds=61)
    with pytest.raises(Conflict):
        await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    stored = lms.state.attempts[started.attempt.id]
    assert (stored.status, stored.score, stored.passed, stored.answers, stored.ended_at) == (
        AttemptStatus.EXPIRED,
        0.0,
        False,
        [],
        lms.clock.now(),
    )
    with pytest.raises(Conflict):
        await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    assert lms.state.attempts[started.attempt.id] == stored


async def test_an_overdue_open_attempt_is_expired_when_a_new_one_starts(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, time_limit_minutes=5, max_attempts=2)
    student = lms.enrolled_student(course)
    abandoned = await lms.start(actor=student, quiz_id=view.quiz.id)
    lms.clock.advance(minutes=5)
    with pytest.raises(Conflict):  # still within the limit plus grace
        await lms.start(actor=student, quiz_id=view.quiz.id)
    lms.clock.advance(seconds=61)
    second = await lms.start(actor=student, quiz_id=view.quiz.id)
    assert lms.state.attempts[abandoned.attempt.id].status is AttemptStatus.EXPIRED
    await lms.submit(actor=student, attempt_id=second.attempt.id, answers=[])
    with pytest.raises(Conflict):  # the expired attempt counts toward max_attempts
        await lms.start(actor=student, quiz_id=view.quiz.id)


async def test_students_see_no_correct_answers_in_attempts(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, {0: "3"}))
    fetched = await lms.get_attempt(actor=student, attempt_id=started.attempt.id)
    for seen in (started, done, fetched):
        assert [q.correct_answer for q in seen.questions] == [None] * 4
    assert [r.correct for r in fetched.attempt.answers] == [False] * 4
    as_owner = await lms.get_attempt(actor=owner, attempt_id=started.attempt.id)
    assert [q.correct_answer for q in as_owner.questions] == ["4", ["a", "e"], "true", "Paris"]


async def test_an_attempt_keeps_its_questions_as_they_were_when_it_started(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course)
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    first, gone = view.questions[0], view.questions[3]
    await lms.delete_question(actor=owner, quiz_id=view.quiz.id, question_id=gone.id)
    await lms.update_question(
        actor=owner,
        quiz_id=view.quiz.id,
        question_id=first.id,
        changes=uc.QuestionChanges(question_text="Changed", points=999),
    )
    new = await lms.add_question(
        actor=owner,
        quiz_id=view.quiz.id,
        data=uc.NewQuestion(
            question_text="New", question_type=QuestionType.TRUE_FALSE, correct_answer="false", points=4
        ),
    )
    shown = await lms.get_attempt(actor=student, attempt_id=started.attempt.id)
    assert shown.questions == started.questions
    with pytest.raises(InvalidField) as e:
        await lms.submit(
            actor=student,
            attempt_id=started.attempt.id,
            answers=[*answers_for(view, RIGHT), SubmittedAnswer(question_id=new.id, answer="false")],
        )
    assert e.value.field == "answers"
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers_for(view, RIGHT))
    assert [r.question_id for r in done.attempt.answers] == [q.id for q in view.questions]
    assert done.attempt.score == 100.0
    assert [q.question_text for q in done.questions] == [q.question_text for q in view.questions]
