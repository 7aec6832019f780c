"""Rows stored under looser rules read back as they are: entities are validated where they are
made and changed, never when they are built from what a store holds (a rule made stricter later
must not turn stored rows into errors on GET)."""

from __future__ import annotations

import uuid

from lms_domain.assessment import use_cases as quizzes
from lms_domain.assessment.entities import Question, QuestionType, Quiz
from lms_domain.catalog import use_cases as cat
from lms_domain.shared.actors import Actor, Role
from tests.contract.catalog_data import NOW, course, lesson, user
from tests.contract.conftest import UowFactory


async def test_a_quiz_and_a_course_outside_todays_rules_are_read_and_shown(new_uow: UowFactory) -> None:
    owner = user(Role.INSTRUCTOR)
    home = course(owner.id, title="   ", is_published=True)  # blank once trimmed
    quiz = Quiz(
        id=uuid.uuid4(),
        course_id=home.id,
        title=" ",
        passing_score_percentage=150,
        max_attempts=0,
        is_published=True,
        created_at=NOW,
        updated_at=NOW,
    )
    question = Question(
        id=uuid.uuid4(),
        quiz_id=quiz.id,
        question_text="",
        question_type=QuestionType.MULTIPLE_CHOICE,
        options=["only"],
        correct_answer="elsewhere",
        points=0,
        order=0,
    )
    async with new_uow() as uow:
        await uow.users.add(owner)
        await uow.courses.add(home)
        await uow.lessons.add(lesson(home.id, 1, title=" ", duration_minutes=-5))
        await uow.quizzes.add(quiz)
        await uow.quizzes.add_question(question)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.quizzes.get(quiz.id) == quiz
    who = Actor(user_id=owner.id, role=Role.INSTRUCTOR)
    view = await quizzes.GetQuiz(new_uow())(actor=who, quiz_id=quiz.id)
    assert (view.quiz.passing_score_percentage, view.questions[0].points) == (150, 0)
    detail = await cat.GetCourse(new_uow())(actor=None, course_id=home.id)
    assert (detail.course.title, detail.lessons[0].duration_minutes) == ("   ", -5)
