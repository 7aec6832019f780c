"""Assessment use cases wired to in-memory adapters, with a movable clock and a seeded shuffle."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import CourseRef, QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.assessment.ports import BankSummary
from lms_domain.assessment.views import QuestionView, QuizView
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.learning.entities import Enrollment
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.course_access import StaffRole
from tests.builders import FixedClock, RecordingStamp, SequentialIds, actor


def sample_questions() -> list[uc.NewQuestion]:
    """One question of each type; 10 points in all."""
    return [
        uc.NewQuestion(
            question_text="2 + 2?",
            question_type=QuestionType.MULTIPLE_CHOICE,
            options=["3", "4", "5"],
            correct_answer="4",
            points=2,
        ),
        uc.NewQuestion(
            question_text="Vowels?",
            question_type=QuestionType.MULTIPLE_SELECT,
            options=["a", "b", "c", "e"],
            correct_answer=["a", "e"],
            points=3,
        ),
        uc.NewQuestion(
            question_text="Python is dynamically typed.",
            question_type=QuestionType.TRUE_FALSE,
            correct_answer="true",
            points=1,
        ),
        uc.NewQuestion(
            question_text="Capital of France?",
            question_type=QuestionType.SHORT_ANSWER,
            correct_answer="Paris",
            points=4,
        ),
    ]


RIGHT = {0: "4", 1: ["e", "a"], 2: "true", 3: "  paris "}


def answers_for(view: QuizView, by_index: Mapping[int, object]) -> list[SubmittedAnswer]:
    return [
        SubmittedAnswer(question_id=view.questions[i].id, answer=answer)  # type: ignore[arg-type]
        for i, answer in by_index.items()
    ]


@dataclass
class Assessment:
    state: MemoryState = field(default_factory=MemoryState)
    clock: FixedClock = field(default_factory=FixedClock)
    ids: SequentialIds = field(default_factory=SequentialIds)
    rng: random.Random = field(default_factory=lambda: random.Random(1234))
    stamp: RecordingStamp = field(default_factory=RecordingStamp)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    # --- the world outside assessment ---------------------------------------------------------
    def course(self, owner: Actor, *, published: bool = True) -> CourseRef:
        ref = CourseRef(id=uuid.uuid4(), instructor_id=owner.user_id, is_published=published)
        now = self.clock.now()
        self.state.courses[ref.id] = Course(
            id=ref.id,
            instructor_id=ref.instructor_id,
            title="Course",
            slug=f"course-{ref.id.hex}",
            is_published=published,
            created_at=now,
            updated_at=now,
        )
        return ref

    def lesson(self, course: CourseRef) -> UUID:
        lesson_id, now = uuid.uuid4(), self.clock.now()
        order = 1 + sum(1 for v in self.state.lessons.values() if v.course_id == course.id)
        self.state.lessons[lesson_id] = Lesson(
            id=lesson_id,
            course_id=course.id,
            title="Lesson",
            content_type=ContentType.TEXT,
            order=order,
            created_at=now,
            updated_at=now,
        )
        return lesson_id

    def enroll(self, student: Actor, course: CourseRef) -> None:
        enrollment_id = uuid.uuid4()
        self.state.enrollments[enrollment_id] = Enrollment(
            id=enrollment_id, student_id=student.user_id, course_id=course.id, enrolled_at=self.clock.now()
        )

    def enrolled_student(self, course: CourseRef) -> Actor:
        student = actor(Role.STUDENT)
        self.enroll(student, course)
        return student

    def staff(self, course: CourseRef, role: StaffRole) -> Actor:
        """A new instructor on the course's staff in ``role``."""
        member = actor(Role.INSTRUCTOR)
        self.state.course_staff[(course.id, member.user_id)] = (role, self.clock.now())
        return member

    # --- use cases ------------------------------------------------------------------------------
    @property
    def create_quiz(self) -> uc.CreateQuiz:
        return uc.CreateQuiz(self.uow(), self.clock, self.ids)

    @property
    def get_quiz(self) -> uc.GetQuiz:
        return uc.GetQuiz(self.uow())

    @property
    def list_quizzes(self) -> uc.ListQuizzes:
        return uc.ListQuizzes(self.uow())

    @property
    def update_quiz(self) -> uc.UpdateQuiz:
        return uc.UpdateQuiz(self.uow(), self.clock)

    @property
    def publish_quiz(self) -> uc.PublishQuiz:
        return uc.PublishQuiz(self.uow(), self.clock)

    @property
    def delete_quiz(self) -> uc.DeleteQuiz:
        return uc.DeleteQuiz(self.uow(), self.stamp)

    @property
    def add_question(self) -> uc.AddQuestion:
        return uc.AddQuestion(self.uow(), self.clock, self.ids)

    @property
    def update_question(self) -> uc.UpdateQuestion:
        return uc.UpdateQuestion(self.uow(), self.clock)

    @property
    def delete_question(self) -> uc.DeleteQuestion:
        return uc.DeleteQuestion(self.uow(), self.clock)

    @property
    def start(self) -> uc.StartAttempt:
        return uc.StartAttempt(self.uow(), self.clock, self.ids, self.rng)

    @property
    def get_attempt(self) -> uc.GetAttempt:
        return uc.GetAttempt(self.uow())

    @property
    def submit(self) -> uc.SubmitAttempt:
        return uc.SubmitAttempt(self.uow(), self.clock)

    @property
    def create_bank(self) -> uc.CreateBank:
        return uc.CreateBank(self.uow(), self.clock, self.ids)

    @property
    def list_banks(self) -> uc.ListBanks:
        return uc.ListBanks(self.uow())

    @property
    def get_bank(self) -> uc.GetBank:
        return uc.GetBank(self.uow())

    @property
    def update_bank(self) -> uc.UpdateBank:
        return uc.UpdateBank(self.uow(), self.clock)

    @property
    def delete_bank(self) -> uc.DeleteBank:
        return uc.DeleteBank(self.uow())

    @property
    def add_bank_question(self) -> uc.AddBankQuestion:
        return uc.AddBankQuestion(self.uow(), self.clock, self.ids)

    @property
    def list_bank_questions(self) -> uc.ListBankQuestions:
        return uc.ListBankQuestions(self.uow())

    @property
    def update_bank_question(self) -> uc.UpdateBankQuestion:
        return uc.UpdateBankQuestion(self.uow(), self.clock)

    @property
    def delete_bank_question(self) -> uc.DeleteBankQuestion:
        return uc.DeleteBankQuestion(self.uow(), self.clock)

    @property
    def grading_queue(self) -> uc.GradingQueue:
        return uc.GradingQueue(self.uow())

    @property
    def grade_answer(self) -> uc.GradeAnswer:
        return uc.GradeAnswer(self.uow(), self.clock, self.ids)

    @property
    def regrade(self) -> uc.RegradeQuestion:
        return self.regrade_in_batches()

    def regrade_in_batches(self, batch_size: int | None = None) -> uc.RegradeQuestion:
        """The regrade use case, with the default batch size or ``batch_size``."""
        if batch_size is None:
            return uc.RegradeQuestion(self.uow(), self.clock, self.ids)
        return uc.RegradeQuestion(self.uow(), self.clock, self.ids, batch_size=batch_size)

    @property
    def history(self) -> uc.AttemptHistory:
        return uc.AttemptHistory(self.uow())

    # --- shortcuts ------------------------------------------------------------------------------
    async def quiz(
        self,
        owner: Actor,
        course: CourseRef,
        *,
        publish: bool = True,
        questions: list[uc.NewQuestion] | None = None,
        **fields: Any,
    ) -> QuizView:
        data = uc.NewQuiz(
            course_id=course.id,
            title=str(fields.pop("title", "Quiz")),
            questions=sample_questions() if questions is None else questions,
            **fields,
        )
        view = await self.create_quiz(actor=owner, data=data)
        if publish:
            view = await self.publish_quiz(actor=owner, quiz_id=view.quiz.id)
        return view

    async def bank(
        self,
        owner: Actor,
        course: CourseRef,
        questions: list[uc.NewQuestion] | None = None,
        *,
        title: str = "Bank",
    ) -> tuple[BankSummary, list[QuestionView]]:
        """A bank of the course with ``questions`` (default: ``short_answers(3)``), as added."""
        summary = await self.create_bank(actor=owner, course_id=course.id, title=title)
        added = [
            await self.add_bank_question(actor=owner, bank_id=summary.bank.id, data=q)
            for q in (short_answers(3) if questions is None else questions)
        ]
        return summary, added


def short_answers(n: int, *, prefix: str = "Q", points: int = 1) -> list[uc.NewQuestion]:
    """``n`` short-answer questions ``{prefix}{i}`` whose key is ``a{i}``."""
    return [
        uc.NewQuestion(
            question_text=f"{prefix}{i}",
            question_type=QuestionType.SHORT_ANSWER,
            correct_answer=f"a{i}",
            points=points,
        )
        for i in range(n)
    ]


def essay(points: int = 5, text: str = "Explain.") -> uc.NewQuestion:
    return uc.NewQuestion(question_text=text, question_type=QuestionType.ESSAY, points=points)
