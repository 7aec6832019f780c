"""Grading after submission: the grading queue, hand grades of essays, regrades, and the history
of an attempt's score."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from lms_domain.assessment.entities import (
    Attempt,
    CourseRef,
    GradingStatus,
    HistoryEntry,
    Question,
    QuestionChanges,
    QuestionType,
    Quiz,
)
from lms_domain.assessment.grading import grade_by_hand, regrade_question, round_hundredths
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork
from lms_domain.assessment.use_cases.access import ATTEMPT_NOT_FOUND, QUIZ_NOT_FOUND, with_course
from lms_domain.assessment.use_cases.attempts import attempt_graded, visible_attempt
from lms_domain.assessment.use_cases.banks import QUESTION_NOT_FOUND, writable_bank
from lms_domain.assessment.views import AttemptView, authorize_quiz_edit, can_see_quiz
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from lms_domain.shared.events import Event
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "FEEDBACK_MAX",
    "REASON_MAX",
    "AttemptHistory",
    "GradeAnswer",
    "GradingQueue",
    "RegradeQuestion",
    "RegradeResult",
]

FEEDBACK_MAX = 10_000
REASON_MAX = 1000
REGRADE_BATCH = 500
HAND_GRADE = "graded by hand"


def _authorize_grader(actor: Actor, course: CourseRef, quiz: Quiz, *, student_id: UUID | None = None) -> None:
    """Editors and teaching assistants grade; the attempt's student gets 403, and so does anyone
    who may see the quiz; everyone else 404."""
    if course.access(actor).grades:
        return
    if actor.user_id == student_id or (student_id is None and can_see_quiz(actor, quiz, course)):
        raise Forbidden("Only the course's instructors and teaching assistants grade attempts")
    raise NotFound(ATTEMPT_NOT_FOUND if student_id is not None else QUIZ_NOT_FOUND)


class GradingQueue:
    """The quiz's attempts awaiting a grader, oldest ``ended_at`` first."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, quiz_id: UUID, page: PageRequest) -> Page[AttemptView]:
        async with self._uow as uow:
            quiz, course = await with_course(uow, await uow.quizzes.get(quiz_id))
            _authorize_grader(actor, course, quiz)
            items, total = await uow.attempts.pending_review(quiz_id, page=page)
        return Page.of([AttemptView.of(a, quiz, actor, course) for a in items], total, page)


def _points(value: float, question: Question) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidField("points_earned", "points_earned must be a number")
    exact = Fraction(Decimal(repr(value)) if isinstance(value, float) else value)
    if not 0 <= exact <= question.points:
        raise InvalidField("points_earned", f"points_earned must be from 0 to {question.points}")
    return exact


class GradeAnswer:
    """A grader gives an essay answer of a submitted attempt its points and feedback (again later
    if need be). When no answer is left pending the attempt is scored and ``attempt.graded`` is
    sent; a later grade that changes the score or ``passed`` sends it again."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(
        self, *, actor: Actor, attempt_id: UUID, question_id: UUID, points_earned: float, feedback: str | None
    ) -> AttemptView:
        if feedback is not None and len(feedback) > FEEDBACK_MAX:
            raise InvalidField("feedback", f"feedback must be at most {FEEDBACK_MAX} characters")
        async with self._uow as uow:
            attempt = await uow.attempts.get(attempt_id, for_update=True)
            now = self._clock.now()  # once the attempt is ours: grades are dated in the order made
            quiz = None if attempt is None else await uow.quizzes.get(attempt.quiz_id)
            course = None if quiz is None else await uow.course_directory.course(quiz.course_id)
            if attempt is None or quiz is None or course is None:
                raise NotFound(ATTEMPT_NOT_FOUND)
            _authorize_grader(actor, course, quiz, student_id=attempt.student_id)
            question = attempt.question(question_id)
            if question is None:
                raise NotFound("This attempt has no such question")
            if question.question_type is not QuestionType.ESSAY or not attempt.is_submitted:
                raise Conflict("Only essay answers of submitted attempts are graded by hand")
            points = _points(points_earned, question)
            before = (attempt.score, attempt.passed, attempt.grading_status)
            grade_by_hand(attempt, question_id, points, feedback, quiz.passing_score_percentage)
            await uow.attempts.save_grades(attempt)
            if attempt.score != before[0]:
                await uow.attempts.add_history(
                    [_entry(self._ids, attempt, actor, question_id, before[0], now=now, reason=HAND_GRADE)]
                )
            if (
                attempt.grading_status is GradingStatus.GRADED
                and (attempt.score, attempt.passed) != before[:2]
            ):
                await uow.events.record(attempt_graded(attempt, quiz.course_id, at=now))
            await uow.audit.record(
                entry_by(
                    actor,
                    AuditAction.ANSWER_GRADED,
                    at=now,
                    target_id=attempt.id,
                    question_id=question_id,
                    points_earned=round_hundredths(points),
                )
            )
            await uow.commit()
        return AttemptView.of(attempt, quiz, actor, course)


def _entry(
    ids: IdGenerator,
    attempt: Attempt,
    actor: Actor,
    question_id: UUID,
    old_score: float | None,
    *,
    now: datetime,
    reason: str,
) -> HistoryEntry:
    return HistoryEntry(
        id=ids.new_id(),
        attempt_id=attempt.id,
        at=now,
        actor_id=actor.user_id,
        question_id=question_id,
        old_score=old_score,
        new_score=attempt.score,
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class RegradeResult:
    attempts_regraded: int
    """The submitted attempts holding the question."""
    scores_changed: int
    """Those whose score changed."""


class RegradeQuestion:
    """A course editor gives a quiz or bank question a new key and every submitted attempt that
    holds it (in its snapshot) is graded again on that question and scored again (a pending one
    stays pending); open attempts are graded with the new key when submitted. Attempts are
    handled in batches of ``REGRADE_BATCH``: a fixed number of statements per batch, however many
    attempts there are. Scores are computed under each quiz's current scoring and passing score.
    An attempt given the question as it was before a change its new key does not fit (another type,
    an essay, options renamed) keeps it and its grade, and is not counted.
    """

    def __init__(
        self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator, *, batch_size: int = REGRADE_BATCH
    ) -> None:
        self._uow, self._clock, self._ids, self._batch = uow, clock, ids, batch_size

    async def __call__(
        self,
        *,
        actor: Actor,
        question_id: UUID,
        correct_answer: str | Sequence[str],
        reason: str,
        quiz_id: UUID | None = None,
        bank_id: UUID | None = None,
    ) -> RegradeResult:
        if len(reason) > REASON_MAX:
            raise InvalidField("reason", f"reason must be at most {REASON_MAX} characters")
        async with self._uow as uow:
            question = await self._rekey(
                uow, actor, question_id, correct_answer, quiz_id=quiz_id, bank_id=bank_id
            )
            now = self._clock.now()  # after the locks: the history is dated in the order made
            regraded = changed = 0
            after: UUID | None = None
            while True:
                batch = await uow.attempts.holding(question_id, after=after, limit=self._batch)
                if not batch:
                    break
                quizzes = await uow.quizzes.get_many({a.quiz_id for a in batch})
                entries: list[HistoryEntry] = []
                events: list[Event] = []
                for attempt in batch:
                    quiz = quizzes[attempt.quiz_id]
                    before = (attempt.score, attempt.passed)
                    held = attempt.question(question_id)
                    assert held is not None
                    try:  # only the key changes; it must fit the question as the attempt was given it
                        new = replace(held, correct_answer=question.correct_answer).validated()
                    except InvalidField:
                        continue  # given another type or other options since changed: kept as graded
                    regrade_question(attempt, new, quiz.scoring, quiz.passing_score_percentage)
                    if not attempt.is_submitted:
                        continue
                    regraded += 1
                    if attempt.score != before[0]:
                        changed += 1
                        entries.append(
                            _entry(self._ids, attempt, actor, question_id, before[0], now=now, reason=reason)
                        )
                    if attempt.score is not None and (attempt.score, attempt.passed) != before:
                        events.append(attempt_graded(attempt, quiz.course_id, at=now))
                await uow.attempts.save_regrades(batch)
                if entries:
                    await uow.attempts.add_history(entries)
                if events:
                    await uow.events.record_many(events)
                after = batch[-1].id
                if len(batch) < self._batch:
                    break
            await uow.audit.record(
                entry_by(
                    actor,
                    AuditAction.QUESTION_REGRADED,
                    at=now,
                    target_id=question_id,
                    quiz_id=quiz_id,
                    bank_id=bank_id,
                    attempts_regraded=regraded,
                    scores_changed=changed,
                )
            )
            await uow.commit()
        return RegradeResult(attempts_regraded=regraded, scores_changed=changed)

    async def _rekey(
        self,
        uow: AssessmentUnitOfWork,
        actor: Actor,
        question_id: UUID,
        correct_answer: str | Sequence[str],
        *,
        quiz_id: UUID | None,
        bank_id: UUID | None,
    ) -> Question:
        """Lock the quiz or bank (no attempt starts meanwhile), give the question its new key
        (validated like a new question's) and store it."""
        if quiz_id is not None:
            quiz, course = await with_course(
                uow, await uow.quizzes.get(quiz_id, for_update=True, exclusive=True)
            )
            authorize_quiz_edit(actor, course, quiz)
            found = await uow.quizzes.get_question(quiz_id, question_id)
        else:
            assert bank_id is not None
            await writable_bank(uow, actor, bank_id)
            found = await uow.banks.get_question(bank_id, question_id)
        if found is None:
            raise NotFound(QUESTION_NOT_FOUND)
        if found.question_type is QuestionType.ESSAY:
            raise InvalidField("correct_answer", "essay questions have no key: grade their answers by hand")
        answer = correct_answer if isinstance(correct_answer, str) else list(correct_answer)
        question = found.apply(QuestionChanges(correct_answer=answer))
        if quiz_id is not None:
            await uow.quizzes.update_question(question)
        else:
            await uow.banks.update_question(question)
        return question


class AttemptHistory:
    """Newest first: each regrade or hand grade that changed the attempt's score."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, attempt_id: UUID) -> Sequence[HistoryEntry]:
        async with self._uow as uow:
            attempt, _, _ = await visible_attempt(uow, actor, await uow.attempts.get(attempt_id))
            return await uow.attempts.history(attempt.id)
