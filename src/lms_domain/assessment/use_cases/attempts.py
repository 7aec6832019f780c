"""Attempts: starting one, reading it, and submitting it to be graded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from lms_domain.assessment.entities import Attempt, CourseRef, Question, Quiz, RandomSource, draw_questions
from lms_domain.assessment.grading import SubmittedAnswer, grade_submission
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork, AttemptOpen, BankLock
from lms_domain.assessment.use_cases.access import ATTEMPT_NOT_FOUND, QUIZ_NOT_FOUND
from lms_domain.assessment.views import AttemptView, can_see_attempt, can_see_quiz
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Conflict, Forbidden, NotFound
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.ports import Clock, IdGenerator
from lms_domain.shared.release import locks_out

__all__ = ["GetAttempt", "StartAttempt", "SubmitAttempt"]

LESSON_LOCKED = "The lesson of this quiz is locked"


async def check_lesson_unlocked(uow: AssessmentReader, actor: Actor, quiz: Quiz, course: CourseRef) -> None:
    """409 when the quiz is attached to a lesson whose release rule applies to the actor (not an
    editor, staff member or admin of the course) and is not met."""
    if quiz.lesson_id is None or course.access(actor).reads_all:
        return
    rule = await uow.course_directory.release_rule(quiz.lesson_id)
    if rule is None:
        return
    if await locks_out(rule, uow.learner_progress, student_id=actor.user_id, course_id=course.id):
        raise Conflict(LESSON_LOCKED)


class StartAttempt:
    """An enrolled student opens an attempt of a published quiz.

    The attempt is given its questions at the start and keeps them as they are then (its
    snapshot): the quiz's own, and from each pool ``count`` distinct questions of the bank drawn at
    random; the whole set in a fresh order when the quiz shuffles. An open attempt already past its
    time limit is closed as expired first. A quiz attached to a lesson locked for the student by
    its release rule: 409.
    """

    def __init__(
        self,
        uow: AssessmentUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        rng: RandomSource,
        *,
        require_verified_email: bool = False,
    ) -> None:
        self._uow, self._clock, self._ids, self._rng = uow, clock, ids, rng
        self._require_verified = require_verified_email

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> AttemptView:
        actor.check_verified(self._require_verified)
        now = self._clock.now()
        async with self._uow as uow:
            start = await uow.attempts.starting(quiz_id, actor.user_id)
            if start is None:
                raise NotFound(QUIZ_NOT_FOUND)
            quiz, course = start.quiz, start.course
            if not quiz.is_published or not can_see_quiz(actor, quiz, course):
                raise NotFound(QUIZ_NOT_FOUND)
            if not start.enrolled:
                raise Forbidden("Enroll in the course to take its quizzes")
            await check_lesson_unlocked(uow, actor, quiz, course)
            finished = start.finished_attempts
            if (stale := start.open_attempt) is not None:
                if not stale.is_overdue(quiz, now):
                    raise Conflict("An attempt of this quiz is already open")
                stale.expire(now)
                if await uow.attempts.finish(stale):
                    await uow.events.record(attempt_graded(stale, quiz.course_id))
                finished += 1  # closed now, or by whoever was first
            if quiz.max_attempts is not None and finished >= quiz.max_attempts:
                raise Conflict("No attempts left for this quiz")
            attempt = Attempt(
                id=self._ids.new_id(),
                quiz_id=quiz_id,
                student_id=actor.user_id,
                started_at=now,
                questions=await self._draw(uow, quiz, start.questions),
            )
            try:
                await uow.attempts.add(attempt)
            except AttemptOpen:
                raise Conflict("An attempt of this quiz is already open") from None
            await uow.commit()
        return AttemptView.of(attempt, quiz, actor, course)

    async def _draw(self, uow: AssessmentUnitOfWork, quiz: Quiz, own: Sequence[Question]) -> list[Question]:
        pools = quiz.question_pools
        if pools:
            # waits for a regrade of a bank in flight, so no attempt draws a key being replaced
            await uow.banks.lock([p.bank_id for p in pools], BankLock.DRAW)
            banks = await uow.banks.questions_of([p.bank_id for p in pools])
        else:
            banks = {}
        return draw_questions(
            own, [(p, banks.get(p.bank_id, ())) for p in pools], shuffle=quiz.shuffle_questions, rng=self._rng
        )


async def visible_attempt(
    uow: AssessmentReader, actor: Actor, attempt: Attempt | None
) -> tuple[Attempt, Quiz, CourseRef]:
    """The attempt with its quiz and course, if the actor may see it (else 404)."""
    quiz = None if attempt is None else await uow.quizzes.get(attempt.quiz_id)
    course = None if quiz is None else await uow.course_directory.course(quiz.course_id)
    if attempt is None or quiz is None or course is None or not can_see_attempt(actor, attempt, course):
        raise NotFound(ATTEMPT_NOT_FOUND)
    return attempt, quiz, course


class GetAttempt:
    """Seen by its student, the course's editors and teaching assistants; others get 404. Shown
    from its snapshot."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, attempt_id: UUID) -> AttemptView:
        async with self._uow as uow:
            attempt, quiz, course = await visible_attempt(uow, actor, await uow.attempts.get(attempt_id))
        return AttemptView.of(attempt, quiz, actor, course)


class SubmitAttempt:
    """The attempt's student submits answers once; the attempt is graded in the same transaction,
    from its snapshot (an answer to a question it was not given: 422). An answered essay leaves it
    ``pending_review``, without a score until a grader has graded every one.

    Later than the time limit plus the grace period, the attempt is closed as expired (answers
    ignored, score 0) and committed, and the call then fails with 409.
    """

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, *, actor: Actor, attempt_id: UUID, answers: Sequence[SubmittedAnswer]
    ) -> AttemptView:
        now = self._clock.now()
        async with self._uow as uow:
            # locked: a regrade of one of its questions waits, or is waited for
            found = await uow.attempts.get_with_quiz(attempt_id)
            if found is None or found[0].student_id != actor.user_id:
                raise NotFound(ATTEMPT_NOT_FOUND)
            attempt, quiz, course = found
            if not attempt.is_open:
                raise Conflict("This attempt has already been submitted")
            expired = attempt.is_overdue(quiz, now)
            if expired:
                attempt.expire(now)
            else:
                grade = grade_submission(
                    attempt.questions, answers, quiz.passing_score_percentage, scoring=quiz.scoring
                )
                attempt.submit(answers=grade.answers, score=grade.score, passed=grade.passed, now=now)
            if not await uow.attempts.finish(attempt):
                raise Conflict("This attempt has already been submitted")
            if attempt.score is not None:
                await uow.events.record(attempt_graded(attempt, quiz.course_id))
            await uow.commit()
        if expired:
            raise Conflict("The time limit of this attempt has passed; it was closed with a score of 0")
        return AttemptView.of(attempt, quiz, actor, course)


def attempt_graded(attempt: Attempt, course_id: UUID, at: datetime | None = None) -> Event:
    """Sent when the attempt gets its score (submitted, closed as expired, or its last essay
    graded), and again whenever a regrade or a hand grade changes its score or ``passed``."""
    assert attempt.ended_at is not None
    return Event.of(
        EventType.ATTEMPT_GRADED,
        at=at or attempt.ended_at,
        attempt_id=attempt.id,
        quiz_id=attempt.quiz_id,
        course_id=course_id,
        student_id=attempt.student_id,
        score=attempt.score,
        passed=attempt.passed,
    )
