"""Essays graded by hand, regrades of quiz and bank questions, and an attempt's history, through the
use cases: what a submission with an essay leaves pending, the grading queue, hand grades and who
gives them, regrades and what they reach, the events, audit entries and history they leave."""

from __future__ import annotations

import copy
import math
import uuid
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import AttemptStatus, CourseRef, GradingStatus, QuestionType, Scoring
from lms_domain.assessment.grading import SubmittedAnswer, passes, points_earned, score_percentage
from lms_domain.assessment.views import AttemptView, QuizView
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.audit import AuditAction, AuditEntry
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import PageRequest
from tests.builders import actor
from tests.unit.assessment.harness import Assessment, essay, short_answers

ALL = PageRequest(1, 100)
EDITORS_AND_TAS = ("owner", "co_instructor", "admin", "teaching_assistant")


def choice(points: int = 6) -> uc.NewQuestion:
    return uc.NewQuestion(
        question_text="2 + 2?",
        question_type=QuestionType.MULTIPLE_CHOICE,
        options=["3", "4", "5"],
        correct_answer="4",
        points=points,
    )


def capital(points: int = 2) -> uc.NewQuestion:
    return uc.NewQuestion(
        question_text="Capital of France?",
        question_type=QuestionType.SHORT_ANSWER,
        correct_answer="Paris",
        points=points,
    )


def graded_events(lms: Assessment, attempt_id: UUID) -> list[Event]:
    return [
        e
        for e in lms.state.events.values()
        if e.type is EventType.ATTEMPT_GRADED and e.data["attempt_id"] == str(attempt_id)
    ]


def audit(lms: Assessment, action: AuditAction) -> list[AuditEntry]:
    return [e for e in lms.state.audit_entries if e.action is action]


def staff_member(lms: Assessment, course: CourseRef, owner: Actor, name: str) -> Actor:
    if name == "owner":
        return owner
    if name == "admin":
        return actor(Role.ADMIN)
    return lms.staff(course, StaffRole(name))


class EssayQuiz:
    """A published quiz of 10 points: a choice (6, key "4"), a short answer (2, key "Paris") and
    an essay (2); passing at 60."""

    def __init__(self, lms: Assessment, owner: Actor, **fields: Any) -> None:
        self.lms, self.owner = lms, owner
        self.course = lms.course(owner)
        self.fields = {"passing_score_percentage": 60, **fields}
        self.view: QuizView

    async def make(self, questions: list[uc.NewQuestion] | None = None) -> EssayQuiz:
        self.view = await self.lms.quiz(
            self.owner, self.course, questions=questions or [choice(), capital(), essay(2)], **self.fields
        )
        return self

    @property
    def quiz_id(self) -> UUID:
        return self.view.quiz.id

    def qid(self, index: int) -> UUID:
        return self.view.questions[index].id

    async def take(self, *answers: object, student: Actor | None = None) -> AttemptView:
        """A new enrolled student (or ``student``) submits ``answers`` by question index (None:
        unanswered)."""
        student = student or self.lms.enrolled_student(self.course)
        started = await self.lms.start(actor=student, quiz_id=self.quiz_id)
        given = [
            SubmittedAnswer(question_id=self.qid(i), answer=a)  # type: ignore[arg-type]
            for i, a in enumerate(answers)
            if a is not None
        ]
        return await self.lms.submit(actor=student, attempt_id=started.attempt.id, answers=given)

    async def open(self) -> tuple[Actor, AttemptView]:
        student = self.lms.enrolled_student(self.course)
        return student, await self.lms.start(actor=student, quiz_id=self.quiz_id)

    async def grade(
        self,
        attempt_id: UUID,
        points: float,
        *,
        by: Actor | None = None,
        index: int = 2,
        feedback: str | None = None,
    ) -> AttemptView:
        return await self.lms.grade_answer(
            actor=by or self.owner,
            attempt_id=attempt_id,
            question_id=self.qid(index),
            points_earned=points,
            feedback=feedback,
        )


@pytest.fixture
async def quiz(lms: Assessment, owner: Actor) -> EssayQuiz:
    return await EssayQuiz(lms, owner).make()


# --- essays at submission ---------------------------------------------------------------------------


async def test_an_answered_essay_leaves_the_attempt_pending_without_a_score(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    done = await quiz.take("4", "Paris", "My essay.")
    attempt = done.attempt
    assert (attempt.status, attempt.grading_status) == (AttemptStatus.SUBMITTED, GradingStatus.PENDING_REVIEW)
    assert (attempt.score, attempt.passed) == (None, None)
    assert [(r.points_earned, r.pending) for r in attempt.answers] == [
        (Fraction(6), False),
        (Fraction(2), False),
        (Fraction(0), True),
    ]
    assert graded_events(lms, attempt.id) == []
    assert lms.state.attempts[attempt.id].grading_status is GradingStatus.PENDING_REVIEW


@pytest.mark.parametrize("written", [None, "", "   \n"])
async def test_a_blank_or_unanswered_essay_earns_0_and_needs_no_review(
    lms: Assessment, quiz: EssayQuiz, written: str | None
) -> None:
    done = await quiz.take("4", "Paris", written)
    attempt = done.attempt
    assert (attempt.grading_status, attempt.score, attempt.passed) == (GradingStatus.GRADED, 80.0, True)
    assert [(r.points_earned, r.pending) for r in attempt.answers][2] == (Fraction(0), False)
    [event] = graded_events(lms, attempt.id)
    assert (event.data["score"], event.data["passed"]) == (80.0, True)


# --- the grading queue ----------------------------------------------------------------------------------


async def test_the_grading_queue_lists_pending_attempts_oldest_end_first_in_pages(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    students = [lms.enrolled_student(quiz.course) for _ in range(4)]
    started = [await lms.start(actor=s, quiz_id=quiz.quiz_id) for s in students]
    ended = []
    for i in (2, 0, 3):  # submitted in this order, a minute apart
        lms.clock.advance(minutes=1)
        given = [SubmittedAnswer(question_id=quiz.qid(2), answer=f"Essay {i}")]
        await lms.submit(actor=students[i], attempt_id=started[i].attempt.id, answers=given)
        ended.append(started[i].attempt.id)
    await quiz.take("4", "Paris")  # graded at once; students[1] keeps an open attempt
    other = await EssayQuiz(lms, quiz.owner).make()
    await other.take("4", "Paris", "Another quiz's essay")
    first = await lms.grading_queue(actor=quiz.owner, quiz_id=quiz.quiz_id, page=PageRequest(1, 2))
    second = await lms.grading_queue(actor=quiz.owner, quiz_id=quiz.quiz_id, page=PageRequest(2, 2))
    assert (first.total, second.total) == (3, 3)
    assert [v.attempt.id for v in [*first.items, *second.items]] == ended
    assert all(v.attempt.grading_status is GradingStatus.PENDING_REVIEW for v in first.items)
    await quiz.grade(ended[1], 1)
    left = await lms.grading_queue(actor=quiz.owner, quiz_id=quiz.quiz_id, page=ALL)
    assert [v.attempt.id for v in left.items] == [ended[0], ended[2]]


@pytest.mark.parametrize("reader", EDITORS_AND_TAS)
async def test_editors_and_teaching_assistants_read_the_grading_queue(
    lms: Assessment, quiz: EssayQuiz, reader: str
) -> None:
    done = await quiz.take("4", "Paris", "Essay")
    me = staff_member(lms, quiz.course, quiz.owner, reader)
    queue = await lms.grading_queue(actor=me, quiz_id=quiz.quiz_id, page=ALL)
    assert [v.attempt.id for v in queue.items] == [done.attempt.id]
    assert queue.items[0].questions[0].correct_answer == "4"  # graders see keys


async def test_others_may_not_read_the_grading_queue(lms: Assessment, owner: Actor) -> None:
    """As for any quiz: 403 for whoever may see the quiz, 404 for whoever may not."""
    published = await EssayQuiz(lms, owner).make()
    await published.take("4", "Paris", "Essay")
    draft_view = await lms.quiz(owner, published.course, publish=False)
    outsiders = [
        lms.enrolled_student(published.course),
        actor(Role.INSTRUCTOR),
        lms.staff(lms.course(actor(Role.INSTRUCTOR)), StaffRole.TEACHING_ASSISTANT),
    ]
    for outsider in outsiders:
        with pytest.raises(Forbidden):
            await lms.grading_queue(actor=outsider, quiz_id=published.quiz_id, page=ALL)
        with pytest.raises(NotFound):
            await lms.grading_queue(actor=outsider, quiz_id=draft_view.quiz.id, page=ALL)
    with pytest.raises(NotFound):
        await lms.grading_queue(actor=owner, quiz_id=uuid.uuid4(), page=ALL)


# --- hand grades --------------------------------------------------------------------------------------


async def test_the_last_hand_grade_scores_the_attempt_once(lms: Assessment, owner: Actor) -> None:
    quiz = await EssayQuiz(lms, owner).make([choice(), capital(), essay(1), essay(1)])
    done = await quiz.take("4", "Rome", "First", "Second")
    attempt_id = done.attempt.id
    lms.clock.advance(minutes=5)
    half = await quiz.grade(attempt_id, 1, index=2, feedback="Good")
    assert (half.attempt.score, half.attempt.passed) == (None, None)
    assert half.attempt.grading_status is GradingStatus.PENDING_REVIEW
    assert graded_events(lms, attempt_id) == []
    assert await lms.history(actor=owner, attempt_id=attempt_id) == []
    lms.clock.advance(minutes=5)
    ta = lms.staff(quiz.course, StaffRole.TEACHING_ASSISTANT)
    full = await quiz.grade(attempt_id, 0, index=3, by=ta)
    assert (full.attempt.score, full.attempt.passed) == (70.0, True)  # (6 + 0 + 1 + 0) / 10
    assert full.attempt.grading_status is GradingStatus.GRADED
    assert lms.state.attempts[attempt_id].score == 70.0
    [event] = graded_events(lms, attempt_id)
    assert (event.data["score"], event.data["passed"], event.occurred_at) == (70.0, True, lms.clock.now())
    [entry] = await lms.history(actor=owner, attempt_id=attempt_id)
    assert (entry.old_score, entry.new_score, entry.actor_id) == (None, 70.0, ta.user_id)
    assert (entry.question_id, entry.reason, entry.at) == (quiz.qid(3), "graded by hand", lms.clock.now())
    entries = audit(lms, AuditAction.ANSWER_GRADED)
    assert [(e.actor_id, e.target_id, e.details["question_id"]) for e in entries] == [
        (owner.user_id, attempt_id, str(quiz.qid(2))),
        (ta.user_id, attempt_id, str(quiz.qid(3))),
    ]
    assert [e.details["points_earned"] for e in entries] == [1, 0]


async def test_fractional_points_count_exactly(lms: Assessment, owner: Actor) -> None:
    quiz = await EssayQuiz(lms, owner).make([capital(points=1), essay(points=2)])
    done = await quiz.take("Paris", "Essay")
    graded = await quiz.grade(done.attempt.id, 0.35, index=1)
    assert graded.attempt.answers[1].points_earned == Fraction(7, 20)
    assert graded.attempt.score == 45.0  # 1.35 / 3 exactly
    assert graded.attempt.passed is False
    again = await quiz.grade(done.attempt.id, 2.0, index=1)
    assert (again.attempt.score, again.attempt.answers[1].correct) == (100.0, True)


@pytest.mark.parametrize("points", [-1, -0.01, 2.01, 3, math.nan, math.inf, True, "1"])
async def test_points_outside_0_to_the_questions_points_are_422(
    lms: Assessment, quiz: EssayQuiz, points: Any
) -> None:
    done = await quiz.take("4", "Paris", "Essay")
    with pytest.raises(InvalidField) as e:
        await quiz.grade(done.attempt.id, points)
    assert e.value.field == "points_earned"
    assert lms.state.attempts[done.attempt.id].grading_status is GradingStatus.PENDING_REVIEW
    assert audit(lms, AuditAction.ANSWER_GRADED) == []


async def test_feedback_is_at_most_10000_characters(lms: Assessment, quiz: EssayQuiz) -> None:
    done = await quiz.take("4", "Paris", "Essay")
    with pytest.raises(InvalidField) as e:
        await quiz.grade(done.attempt.id, 1, feedback="x" * 10_001)
    assert e.value.field == "feedback"
    graded = await quiz.grade(done.attempt.id, 1, feedback="x" * 10_000)
    assert graded.attempt.answers[2].feedback == "x" * 10_000


async def test_only_essays_of_submitted_attempts_are_graded_by_hand(lms: Assessment, owner: Actor) -> None:
    quiz = await EssayQuiz(lms, owner, time_limit_minutes=1).make()
    done = await quiz.take("4", "Paris", "Essay")
    with pytest.raises(Conflict):  # not an essay
        await quiz.grade(done.attempt.id, 1, index=0)
    _, opened = await quiz.open()
    with pytest.raises(Conflict):  # open
        await quiz.grade(opened.attempt.id, 1)
    student, late = await quiz.open()
    lms.clock.advance(minutes=3)
    with pytest.raises(Conflict):
        await lms.submit(actor=student, attempt_id=late.attempt.id, answers=[])
    assert lms.state.attempts[late.attempt.id].status is AttemptStatus.EXPIRED
    with pytest.raises(Conflict):  # expired
        await quiz.grade(late.attempt.id, 1)
    assert lms.state.attempts[late.attempt.id].score == 0.0
    other = await EssayQuiz(lms, owner).make()
    for question_id in (uuid.uuid4(), other.qid(2)):
        with pytest.raises(NotFound):
            await lms.grade_answer(
                actor=owner,
                attempt_id=done.attempt.id,
                question_id=question_id,
                points_earned=1,
                feedback=None,
            )
    with pytest.raises(NotFound):
        await lms.grade_answer(
            actor=owner, attempt_id=uuid.uuid4(), question_id=quiz.qid(2), points_earned=1, feedback=None
        )
    assert audit(lms, AuditAction.ANSWER_GRADED) == []


@pytest.mark.parametrize("grader", EDITORS_AND_TAS)
async def test_editors_and_teaching_assistants_grade(lms: Assessment, quiz: EssayQuiz, grader: str) -> None:
    done = await quiz.take("4", "Paris", "Essay")
    me = staff_member(lms, quiz.course, quiz.owner, grader)
    graded = await quiz.grade(done.attempt.id, 2, by=me)
    assert graded.attempt.score == 100.0
    assert graded.questions[0].correct_answer == "4"


async def test_the_student_gets_403_and_everyone_else_404_when_grading(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    student = lms.enrolled_student(quiz.course)
    done = await quiz.take("4", "Paris", "Essay", student=student)
    with pytest.raises(Forbidden):
        await quiz.grade(done.attempt.id, 2, by=student)
    outsiders = [
        lms.enrolled_student(quiz.course),
        actor(Role.INSTRUCTOR),
        actor(Role.STUDENT),
        lms.staff(lms.course(actor(Role.INSTRUCTOR)), StaffRole.CO_INSTRUCTOR),
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            await quiz.grade(done.attempt.id, 2, by=outsider)
    assert lms.state.attempts[done.attempt.id].score is None
    assert audit(lms, AuditAction.ANSWER_GRADED) == []


async def test_a_grade_given_again_leaves_history_and_events_only_when_the_score_changes(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    student = lms.enrolled_student(quiz.course)
    done = await quiz.take("4", "Rome", "Essay", student=student)
    attempt_id = done.attempt.id
    await quiz.grade(attempt_id, 0, feedback="Too short")  # 60: passed
    lms.clock.advance(minutes=1)
    await quiz.grade(attempt_id, 0, feedback="Too short, really")  # same points
    assert len(graded_events(lms, attempt_id)) == 1
    assert len(await lms.history(actor=student, attempt_id=attempt_id)) == 1
    lms.clock.advance(minutes=1)
    regraded = await quiz.grade(attempt_id, 1.5)  # 75
    assert (regraded.attempt.score, regraded.attempt.passed) == (75.0, True)
    events = graded_events(lms, attempt_id)
    assert [(e.data["score"], e.data["passed"]) for e in events] == [(60.0, True), (75.0, True)]
    history = await lms.history(actor=student, attempt_id=attempt_id)
    assert [(h.old_score, h.new_score) for h in history] == [(60.0, 75.0), (None, 60.0)]  # newest first
    assert len(audit(lms, AuditAction.ANSWER_GRADED)) == 3
    seen = await lms.get_attempt(actor=student, attempt_id=attempt_id)
    assert (seen.attempt.answers[2].points_earned, seen.attempt.answers[2].feedback) == (Fraction(3, 2), None)
    assert all(q.correct_answer is None for q in seen.questions)


async def test_the_student_sees_the_points_and_feedback_of_a_hand_grade(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    student = lms.enrolled_student(quiz.course)
    done = await quiz.take("4", "Paris", "Essay", student=student)
    await quiz.grade(done.attempt.id, 1, feedback="Cite your sources.")
    seen = await lms.get_attempt(actor=student, attempt_id=done.attempt.id)
    essay_result = seen.attempt.answers[2]
    assert (essay_result.points_earned, essay_result.feedback, essay_result.answer) == (
        Fraction(1),
        "Cite your sources.",
        "Essay",
    )
    assert (essay_result.pending, essay_result.correct) == (False, False)
    assert (seen.attempt.score, seen.attempt.grading_status) == (90.0, GradingStatus.GRADED)


# --- regrades --------------------------------------------------------------------------------------


async def test_a_regrade_grades_every_submitted_attempt_holding_the_question_again(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    up = await quiz.take("3", "Paris")  # 20 -> 80
    down = await quiz.take("4", "Paris")  # 80 -> 20
    same = await quiz.take("5", "Paris")  # 20 -> 20
    pending = await quiz.take("3", "Rome", "Essay")  # stays pending
    waiting_student, waiting = await quiz.open()
    other = await EssayQuiz(lms, quiz.owner).make()
    elsewhere = await other.take("4", "Paris")
    before_elsewhere = copy.deepcopy(lms.state.attempts[elsewhere.attempt.id])
    events_before = len(lms.state.events)
    lms.clock.advance(minutes=1)
    result = await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="Typo"
    )
    assert (result.attempts_regraded, result.scores_changed) == (4, 2)
    stored = lms.state.attempts
    assert [(stored[a.attempt.id].score, stored[a.attempt.id].passed) for a in (up, down, same)] == [
        (80.0, True),
        (20.0, False),
        (20.0, False),
    ]
    assert stored[pending.attempt.id].grading_status is GradingStatus.PENDING_REVIEW
    assert stored[pending.attempt.id].score is None
    assert stored[pending.attempt.id].answers[0].points_earned == 6
    assert stored[elsewhere.attempt.id] == before_elsewhere
    # events: one per attempt whose score or passed changed
    new_events = list(lms.state.events.values())[events_before:]
    assert sorted((e.data["attempt_id"], e.data["score"]) for e in new_events) == sorted(
        [(str(up.attempt.id), 80.0), (str(down.attempt.id), 20.0)]
    )
    # history: only the attempts whose score changed
    [entry] = await lms.history(actor=quiz.owner, attempt_id=up.attempt.id)
    assert (entry.old_score, entry.new_score, entry.reason) == (20.0, 80.0, "Typo")
    assert (entry.actor_id, entry.question_id, entry.at) == (quiz.owner.user_id, quiz.qid(0), lms.clock.now())
    for unchanged in (same, pending):
        assert await lms.history(actor=quiz.owner, attempt_id=unchanged.attempt.id) == []
    # the question keeps its new key, and so do the open attempts' snapshots
    assert lms.state.questions[quiz.qid(0)].correct_answer == "3"
    assert stored[waiting.attempt.id].questions[0].correct_answer == "3"
    [logged] = audit(lms, AuditAction.QUESTION_REGRADED)
    assert (logged.actor_id, logged.target_id) == (quiz.owner.user_id, quiz.qid(0))
    assert logged.details["attempts_regraded"] == 4
    assert logged.details["scores_changed"] == 2
    # an open attempt is graded with the new key when submitted; a late one still expires
    done = await lms.submit(
        actor=waiting_student,
        attempt_id=waiting.attempt.id,
        answers=[SubmittedAnswer(question_id=quiz.qid(0), answer="3")],
    )
    assert done.attempt.score == 60.0
    # the pending one is scored with the new key once its essay is graded
    graded = await quiz.grade(pending.attempt.id, 2)
    assert graded.attempt.score == 80.0


async def test_a_regrade_leaves_expired_attempts_and_open_ones_out_of_the_count(
    lms: Assessment, owner: Actor
) -> None:
    quiz = await EssayQuiz(lms, owner, time_limit_minutes=1).make()
    student, late = await quiz.open()
    lms.clock.advance(minutes=3)
    with pytest.raises(Conflict):
        await lms.submit(actor=student, attempt_id=late.attempt.id, answers=[])
    await quiz.open()
    result = await lms.regrade(
        actor=owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason=""
    )
    assert (result.attempts_regraded, result.scores_changed) == (0, 0)
    expired = lms.state.attempts[late.attempt.id]
    assert (expired.status, expired.score, expired.passed, expired.answers) == (
        AttemptStatus.EXPIRED,
        0.0,
        False,
        [],
    )
    assert expired.questions[0].correct_answer == "3"  # its snapshot follows the key
    assert len(graded_events(lms, late.attempt.id)) == 1  # the expiry's only


async def test_a_regrade_of_a_bank_question_reaches_every_quiz_that_drew_it(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    summary, [first, second] = await lms.bank(owner, course, short_answers(2, points=5))
    pool = [uc.Pool(summary.bank.id, 2)]
    one = await lms.quiz(owner, course, questions=[], question_pools=pool)
    two = await lms.quiz(owner, course, questions=short_answers(1, prefix="Own"), question_pools=pool)
    attempts = []
    for view in (one, two, two):
        student = lms.enrolled_student(course)
        started = await lms.start(actor=student, quiz_id=view.quiz.id)
        answers = [
            SubmittedAnswer(question_id=first.id, answer="changed"),
            SubmittedAnswer(question_id=second.id, answer="a1"),
        ]
        attempts.append(
            (await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers)).attempt
        )
    assert [a.score for a in attempts] == [50.0, 45.45, 45.45]
    result = await lms.regrade(
        actor=owner, bank_id=summary.bank.id, question_id=first.id, correct_answer="changed", reason="Key"
    )
    assert (result.attempts_regraded, result.scores_changed) == (3, 3)
    assert [lms.state.attempts[a.id].score for a in attempts] == [100.0, 90.91, 90.91]
    assert lms.state.bank_questions[first.id].correct_answer == "changed"
    assert lms.state.bank_questions[second.id].correct_answer == "a1"
    [logged] = audit(lms, AuditAction.QUESTION_REGRADED)
    assert (logged.target_id, logged.details["bank_id"]) == (first.id, str(summary.bank.id))


async def test_a_regrade_of_a_bank_question_reaches_only_the_attempts_that_drew_it(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    summary, questions = await lms.bank(owner, course, short_answers(3))
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(summary.bank.id, 1)])
    by_question: dict[UUID, list[UUID]] = {q.id: [] for q in questions}
    for _ in range(9):
        student = lms.enrolled_student(course)
        started = await lms.start(actor=student, quiz_id=view.quiz.id)
        [drawn] = started.attempt.question_order
        answer = [SubmittedAnswer(question_id=drawn, answer="wrong")]
        await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answer)
        by_question[drawn].append(started.attempt.id)
    target = max(by_question, key=lambda q: len(by_question[q]))
    result = await lms.regrade(
        actor=owner, bank_id=summary.bank.id, question_id=target, correct_answer="wrong", reason="r"
    )
    assert result.attempts_regraded == result.scores_changed == len(by_question[target]) > 0
    for question_id, attempt_ids in by_question.items():
        want = 100.0 if question_id == target else 0.0
        assert [lms.state.attempts[a].score for a in attempt_ids] == [want] * len(attempt_ids)


async def test_an_essay_drawn_by_another_attempt_is_not_graded_in_this_one(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    summary, essays = await lms.bank(owner, course, [essay(2, text=f"E{i}") for i in range(3)])
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(summary.bank.id, 1)])
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    [drawn] = started.attempt.question_order
    given = [SubmittedAnswer(question_id=drawn, answer="My essay")]
    await lms.submit(actor=student, attempt_id=started.attempt.id, answers=given)
    for other in (q for q in essays if q.id != drawn):
        with pytest.raises(NotFound):
            await lms.grade_answer(
                actor=owner,
                attempt_id=started.attempt.id,
                question_id=other.id,
                points_earned=1,
                feedback=None,
            )
    graded = await lms.grade_answer(
        actor=owner, attempt_id=started.attempt.id, question_id=drawn, points_earned=1, feedback=None
    )
    assert (graded.attempt.score, graded.attempt.grading_status) == (50.0, GradingStatus.GRADED)


@pytest.mark.parametrize(("attempts", "batch"), [(5, 2), (4, 2), (1, 2), (0, 2), (7, 3)])
async def test_a_regrade_handles_attempts_in_batches(
    lms: Assessment, owner: Actor, attempts: int, batch: int
) -> None:
    quiz = await EssayQuiz(lms, owner).make([capital(points=1)])
    done = [await quiz.take("Lyon") for _ in range(attempts)]
    _, opened = await quiz.open()
    result = await lms.regrade_in_batches(batch)(
        actor=owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="Lyon", reason="Both"
    )
    assert (result.attempts_regraded, result.scores_changed) == (attempts, attempts)
    for view in done:
        assert (lms.state.attempts[view.attempt.id].score, lms.state.attempts[view.attempt.id].passed) == (
            100.0,
            True,
        )
        assert len(await lms.history(actor=owner, attempt_id=view.attempt.id)) == 1
        assert len(graded_events(lms, view.attempt.id)) == 2
    assert lms.state.attempts[opened.attempt.id].questions[0].correct_answer == "Lyon"


@pytest.mark.parametrize(
    ("index", "key"),
    [(0, "9"), (0, ["3"]), (1, ""), (1, "x" * 501), (1, ["Paris"]), (2, "anything")],
)
async def test_a_new_key_is_validated_like_a_new_questions(
    lms: Assessment, quiz: EssayQuiz, index: int, key: Any
) -> None:
    done = await quiz.take("4", "Paris")
    with pytest.raises(InvalidField) as e:
        await lms.regrade(
            actor=quiz.owner,
            quiz_id=quiz.quiz_id,
            question_id=quiz.qid(index),
            correct_answer=key,
            reason="r",
        )
    assert e.value.field == "correct_answer"
    assert lms.state.questions[quiz.qid(0)].correct_answer == "4"
    assert lms.state.questions[quiz.qid(1)].correct_answer == "Paris"
    assert lms.state.attempts[done.attempt.id].score == 80.0
    assert audit(lms, AuditAction.QUESTION_REGRADED) == []


async def test_a_multiple_select_key_is_never_empty(lms: Assessment, owner: Actor) -> None:
    select = uc.NewQuestion(
        question_text="Vowels?",
        question_type=QuestionType.MULTIPLE_SELECT,
        options=["a", "b", "e"],
        correct_answer=["a", "e"],
    )
    quiz = await EssayQuiz(lms, owner).make([select])
    for key in ([], ["a", "z"]):
        with pytest.raises(InvalidField):
            await lms.regrade(
                actor=owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer=key, reason="r"
            )
    await lms.regrade(
        actor=owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer=["a"], reason="r"
    )
    assert lms.state.questions[quiz.qid(0)].correct_answer == ["a"]


async def test_a_reason_is_at_most_1000_characters(lms: Assessment, quiz: EssayQuiz) -> None:
    with pytest.raises(InvalidField) as e:
        await lms.regrade(
            actor=quiz.owner,
            quiz_id=quiz.quiz_id,
            question_id=quiz.qid(0),
            correct_answer="3",
            reason="x" * 1001,
        )
    assert e.value.field == "reason"
    await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="x" * 1000
    )


async def test_an_unknown_question_is_404(lms: Assessment, quiz: EssayQuiz) -> None:
    other = await EssayQuiz(lms, quiz.owner).make()
    summary, [banked] = await lms.bank(quiz.owner, quiz.course, short_answers(1))
    calls: list[dict[str, Any]] = [
        {"quiz_id": quiz.quiz_id, "question_id": uuid.uuid4()},
        {"quiz_id": quiz.quiz_id, "question_id": other.qid(1)},
        {"quiz_id": quiz.quiz_id, "question_id": banked.id},
        {"quiz_id": uuid.uuid4(), "question_id": quiz.qid(1)},
        {"bank_id": summary.bank.id, "question_id": quiz.qid(1)},
        {"bank_id": summary.bank.id, "question_id": uuid.uuid4()},
        {"bank_id": uuid.uuid4(), "question_id": banked.id},
    ]
    for where in calls:
        with pytest.raises(NotFound):
            await lms.regrade(actor=quiz.owner, correct_answer="Lyon", reason="r", **where)
    assert lms.state.questions[quiz.qid(1)].correct_answer == "Paris"
    assert lms.state.bank_questions[banked.id].correct_answer == "a0"


@pytest.mark.parametrize("editor", ["owner", "co_instructor", "admin"])
async def test_editors_regrade(lms: Assessment, quiz: EssayQuiz, editor: str) -> None:
    done = await quiz.take("3", "Paris")
    me = staff_member(lms, quiz.course, quiz.owner, editor)
    result = await lms.regrade(
        actor=me, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="r"
    )
    assert (result.attempts_regraded, result.scores_changed) == (1, 1)
    [entry] = await lms.history(actor=quiz.owner, attempt_id=done.attempt.id)
    assert entry.actor_id == me.user_id


async def test_teaching_assistants_and_others_do_not_regrade(lms: Assessment, owner: Actor) -> None:
    """A teaching assistant: 403. Anyone else: 403 where they may see the quiz (a published quiz of a
    published course), 404 where they may not (a draft), as for every quiz write; a bank question:
    404 (banks are hidden from them)."""
    quiz = await EssayQuiz(lms, owner).make()
    done = await quiz.take("3", "Paris")
    draft = await lms.quiz(owner, quiz.course, publish=False)
    summary, [banked] = await lms.bank(owner, quiz.course, short_answers(1))
    ta = lms.staff(quiz.course, StaffRole.TEACHING_ASSISTANT)
    for call in (
        {"quiz_id": quiz.quiz_id, "question_id": quiz.qid(0), "correct_answer": "3"},
        {"quiz_id": draft.quiz.id, "question_id": draft.questions[0].id, "correct_answer": "3"},
        {"bank_id": summary.bank.id, "question_id": banked.id, "correct_answer": "x"},
    ):
        with pytest.raises(Forbidden):
            await lms.regrade(actor=ta, reason="r", **call)  # type: ignore[arg-type]
    outsiders = [lms.enrolled_student(quiz.course), actor(Role.INSTRUCTOR), actor(Role.STUDENT)]
    for outsider in outsiders:
        with pytest.raises(Forbidden):
            await lms.regrade(
                actor=outsider, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="r"
            )
        with pytest.raises(NotFound):
            await lms.regrade(
                actor=outsider,
                quiz_id=draft.quiz.id,
                question_id=draft.questions[0].id,
                correct_answer="3",
                reason="r",
            )
        with pytest.raises(NotFound):
            await lms.regrade(
                actor=outsider, bank_id=summary.bank.id, question_id=banked.id, correct_answer="x", reason="r"
            )
    assert lms.state.attempts[done.attempt.id].score == 20.0
    assert lms.state.questions[quiz.qid(0)].correct_answer == "4"
    assert audit(lms, AuditAction.QUESTION_REGRADED) == []


async def test_a_regrade_changes_only_the_key_in_an_attempts_snapshot(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    done = await quiz.take("3", "Paris")  # 2 of 10
    given = done.attempt.questions[0]
    await lms.update_question(
        actor=quiz.owner,
        quiz_id=quiz.quiz_id,
        question_id=quiz.qid(0),
        changes=uc.QuestionChanges(question_text="Two plus two?", points=100),
    )
    result = await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="r"
    )
    assert (result.attempts_regraded, result.scores_changed) == (1, 1)
    held = lms.state.attempts[done.attempt.id].questions[0]
    assert (held.question_text, held.points, held.correct_answer) == (given.question_text, 6, "3")
    assert lms.state.attempts[done.attempt.id].score == 80.0  # 8 of 10: the points it was given
    assert lms.state.questions[quiz.qid(0)].points == 100


async def test_a_regrade_keeps_the_hand_grade_of_an_attempt_given_the_question_as_an_essay(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    """The essay became a short answer after the attempt; a regrade of it leaves the attempt's
    essay, its hand points and its feedback alone (it has no key to grade by)."""
    done = await quiz.take("4", "Paris", "Essay")
    await quiz.grade(done.attempt.id, 2, feedback="Fine")
    before = copy.deepcopy(lms.state.attempts[done.attempt.id])
    later = await quiz.take("4", "Paris", "Essay")
    await lms.update_question(
        actor=quiz.owner,
        quiz_id=quiz.quiz_id,
        question_id=quiz.qid(2),
        changes=uc.QuestionChanges(question_type=QuestionType.SHORT_ANSWER, correct_answer="x"),
    )
    result = await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(2), correct_answer="y", reason="r"
    )
    assert (result.attempts_regraded, result.scores_changed) == (0, 0)
    assert lms.state.attempts[done.attempt.id] == before
    assert lms.state.attempts[later.attempt.id].grading_status is GradingStatus.PENDING_REVIEW
    assert len(await lms.history(actor=quiz.owner, attempt_id=done.attempt.id)) == 1


@pytest.mark.parametrize(
    ("changes", "new_key"),
    [
        (uc.QuestionChanges(question_type=QuestionType.MULTIPLE_SELECT, correct_answer=["4"]), ["3", "4"]),
        (uc.QuestionChanges(options=["three", "four", "five"], correct_answer="four"), "three"),
    ],
    ids=["another type", "renamed options"],
)
async def test_a_regrade_leaves_attempts_whose_question_the_new_key_does_not_fit(
    lms: Assessment, quiz: EssayQuiz, changes: uc.QuestionChanges, new_key: str | list[str]
) -> None:
    """The question changed after the attempt was given it; the new key fits the question as it
    is now, not as the attempt holds it, so the attempt keeps its key and grade and is not counted."""
    done = await quiz.take("3", "Paris")
    before = copy.deepcopy(lms.state.attempts[done.attempt.id])
    await lms.update_question(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), changes=changes
    )
    result = await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer=new_key, reason="r"
    )
    assert (result.attempts_regraded, result.scores_changed) == (0, 0)
    assert lms.state.attempts[done.attempt.id] == before
    assert await lms.history(actor=quiz.owner, attempt_id=done.attempt.id) == []


# --- history --------------------------------------------------------------------------------------


async def test_the_history_is_seen_by_those_who_see_the_attempt_newest_first(
    lms: Assessment, quiz: EssayQuiz
) -> None:
    student = lms.enrolled_student(quiz.course)
    done = await quiz.take("3", "Paris", "Essay", student=student)
    attempt_id = done.attempt.id
    await quiz.grade(attempt_id, 2)  # None -> 40
    lms.clock.advance(minutes=1)
    await lms.regrade(
        actor=quiz.owner, quiz_id=quiz.quiz_id, question_id=quiz.qid(0), correct_answer="3", reason="First"
    )  # 40 -> 100
    lms.clock.advance(minutes=1)
    await lms.regrade(
        actor=quiz.owner,
        quiz_id=quiz.quiz_id,
        question_id=quiz.qid(1),
        correct_answer="Lyon",
        reason="Second",
    )  # 100 -> 80
    readers = [student, quiz.owner, actor(Role.ADMIN)]
    readers += [lms.staff(quiz.course, role) for role in StaffRole]
    for reader in readers:
        history = await lms.history(actor=reader, attempt_id=attempt_id)
        assert [(h.old_score, h.new_score, h.reason) for h in history] == [
            (100.0, 80.0, "Second"),
            (40.0, 100.0, "First"),
            (None, 40.0, "graded by hand"),
        ]
        assert history[0].at > history[1].at > history[2].at
    outsiders = [
        lms.enrolled_student(quiz.course),
        actor(Role.INSTRUCTOR),
        lms.staff(lms.course(actor(Role.INSTRUCTOR)), StaffRole.TEACHING_ASSISTANT),
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            await lms.history(actor=outsider, attempt_id=attempt_id)
    with pytest.raises(NotFound):
        await lms.history(actor=student, attempt_id=uuid.uuid4())


# --- a property ---------------------------------------------------------------------------------------

ESSAY_TEXT = st.sampled_from([None, "", "  ", "An essay."])
MC_OPTIONS = ["a", "b", "c"]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    regrade_choice = st.tuples(st.just("choice"), st.sampled_from(MC_OPTIONS))
    regrade_select = st.tuples(
        st.just("select"), st.lists(st.sampled_from(MC_OPTIONS), min_size=1, max_size=3, unique=True)
    )
    grade = st.tuples(st.just("grade"), st.integers(0, 2), st.sampled_from([2, 3]), st.integers(0, 16))
    return draw(st.lists(st.one_of(regrade_choice, regrade_select, grade), max_size=8))


PROPERTY_QUESTIONS = [
    uc.NewQuestion(
        question_text="Pick",
        question_type=QuestionType.MULTIPLE_CHOICE,
        options=MC_OPTIONS,
        correct_answer="a",
        points=2,
    ),
    uc.NewQuestion(
        question_text="Pick some",
        question_type=QuestionType.MULTIPLE_SELECT,
        options=MC_OPTIONS,
        correct_answer=["a", "b"],
        points=3,
    ),
    essay(points=4),
    essay(points=1),
]


async def apply(
    lms: Assessment, quiz: EssayQuiz, attempts: list[UUID], ops: list[tuple[Any, ...]]
) -> tuple[dict[tuple[int, int], Fraction], dict[UUID, int]]:
    """Run ``ops``: the hand points last given (by student and question index) and how many times
    each attempt's score changed."""
    hand: dict[tuple[int, int], Fraction] = {}
    changes = dict.fromkeys(attempts, 0)
    scored = {a: lms.state.attempts[a].score for a in attempts}
    for op in ops:
        if op[0] == "grade":
            _, student, index, quarters = op
            points = Fraction(quarters, 4)
            if points > PROPERTY_QUESTIONS[index].points:
                continue
            await quiz.grade(attempts[student], float(points), index=index)
            hand[(student, index)] = points
        else:
            await lms.regrade(
                actor=quiz.owner,
                quiz_id=quiz.quiz_id,
                question_id=quiz.qid(0 if op[0] == "choice" else 1),
                correct_answer=op[1],
                reason="r",
            )
        for a in attempts:
            if lms.state.attempts[a].score != scored[a]:
                changes[a] += 1
                scored[a] = lms.state.attempts[a].score
    return hand, changes


def fresh_grade(
    lms: Assessment,
    attempt_id: UUID,
    given: tuple[Any, ...],
    hand: dict[int, Fraction],
    scoring: Scoring,
) -> tuple[float | None, bool | None, GradingStatus]:
    """The attempt graded from scratch: its snapshot (whose keys must be the questions' current
    ones), the student's answers and the hand points."""
    attempt = lms.state.attempts[attempt_id]
    earned, pending = Fraction(0), False
    for index, question in enumerate(attempt.questions):
        if question.question_type is QuestionType.ESSAY:
            assert question.correct_answer is None
            if index in hand:
                earned += hand[index]
            else:
                pending = pending or (isinstance(given[index], str) and bool(given[index].strip()))
        else:
            assert question.correct_answer == lms.state.questions[question.id].correct_answer
            earned += points_earned(question, given[index], scoring)
    if pending:
        return None, None, GradingStatus.PENDING_REVIEW
    score = score_percentage(earned, attempt.points_total)
    return score, passes(score, 50), GradingStatus.GRADED


@settings(max_examples=30, deadline=None)
@given(
    scoring=st.sampled_from(list(Scoring)),
    answers=st.lists(
        st.tuples(
            st.none() | st.sampled_from(MC_OPTIONS),
            st.none() | st.lists(st.sampled_from(MC_OPTIONS), max_size=3),
            ESSAY_TEXT,
            ESSAY_TEXT,
        ),
        min_size=3,
        max_size=3,
    ),
    ops=operations(),
)
async def test_after_any_hand_grades_and_regrades_the_score_is_a_fresh_grading_of_the_snapshot(
    scoring: Scoring, answers: list[tuple[Any, ...]], ops: list[tuple[Any, ...]]
) -> None:
    lms = Assessment()
    owner = actor(Role.INSTRUCTOR)
    quiz = await EssayQuiz(lms, owner, scoring=scoring, passing_score_percentage=50).make(PROPERTY_QUESTIONS)
    attempts = [(await quiz.take(*given)).attempt.id for given in answers]
    hand, changes = await apply(lms, quiz, attempts, ops)
    for student, attempt_id in enumerate(attempts):
        attempt = lms.state.attempts[attempt_id]
        own_hand = {i: p for (s, i), p in hand.items() if s == student}
        assert (attempt.score, attempt.passed, attempt.grading_status) == fresh_grade(
            lms, attempt_id, answers[student], own_hand, scoring
        )
        # one history entry per change of the score, the last one ending at the current score
        history = await lms.history(actor=owner, attempt_id=attempt_id)
        assert len(history) == changes[attempt_id]
        assert all(h.old_score != h.new_score for h in history)
        assert not history or history[0].new_score == attempt.score
        # events only for scores; the last one tells the current score and passed
        events = graded_events(lms, attempt_id)
        assert all(e.data["score"] is not None for e in events)
        assert attempt.score is None or events
        assert not events or (events[-1].data["score"], events[-1].data["passed"]) == (
            attempt.score,
            attempt.passed,
        )
