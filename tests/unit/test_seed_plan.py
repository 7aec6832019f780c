"""The seed's enrollment plan: no student enrolled twice in a course, drafts never enrolled,
exactly the planned number of completions, and complete enrollments exactly when every lesson is done;
seeded quizzes and attempts follow the domain's rules and grading."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest

from lms_adapters.sql.seed import SCALES, SEED_END, Scale, seed_uuid
from lms_adapters.sql.seed.assessment import attempt_rows, question_rows, quiz_rows
from lms_adapters.sql.seed.catalog import is_published
from lms_adapters.sql.seed.identity import instructor_index, student_index
from lms_adapters.sql.seed.learning import enrollment_plan
from lms_domain.assessment.entities import Question, QuestionType
from lms_domain.assessment.grading import SubmittedAnswer, grade_submission

MEDIUM = Scale(
    "medium", instructors=20, students=2_000, courses=300, lessons_per_course=8, enrollments=20_000,
    completions=75_000,
)  # fmt: skip


@pytest.mark.parametrize("scale", [SCALES["small"], MEDIUM], ids=["small", "medium"])
def test_plan_is_consistent(scale: Scale) -> None:
    plan = list(enrollment_plan(scale))
    pairs = {(student, course) for _, student, course, _ in plan}
    assert len(plan) == scale.enrollments == len(pairs)
    assert all(is_published(course) for _, _, course, _ in plan)
    assert sum(done for *_, done in plan) == scale.completions
    assert all(0 <= done <= scale.lessons_per_course for *_, done in plan)
    assert {done for *_, done in plan} == set(range(scale.lessons_per_course + 1))


def test_people_indexes_do_not_overlap() -> None:
    scale = MEDIUM
    instructors = {instructor_index(scale, n) for n in range(scale.instructors + 1)}
    students = {student_index(scale, n) for n in range(scale.students + 1)}
    assert len(instructors) == scale.instructors + 1 and len(students) == scale.students + 1
    assert not instructors & students and 0 not in instructors | students  # 0 is the admin
    assert max(students) == 3 + scale.instructors + scale.students - 1


QUIZ_SCALE = dataclasses.replace(MEDIUM, quizzes=600, questions_per_quiz=7, attempts=9_000)


@pytest.mark.parametrize("scale", [SCALES["small"], QUIZ_SCALE], ids=["small", "medium"])
def test_seeded_quizzes_pass_the_domain_rules_and_attempts_are_graded_by_them(scale: Scale) -> None:
    """Every seeded question is one the API would accept, and every seeded attempt carries
    exactly the grade the domain gives its answers, by students enrolled in the quiz's course."""
    quizzes = {row["id"]: row for row in quiz_rows(scale)}
    assert len(quizzes) == scale.quizzes
    questions: dict[UUID, list[Question]] = {}
    for row in question_rows(scale):
        question = Question.create(
            id=row["id"], quiz_id=row["quiz_id"], question_text=row["question_text"],
            question_type=QuestionType(row["question_type"]), options=row["options"],
            correct_answer=row["correct_answer"], points=row["points"], order=row["position"],
        )  # fmt: skip
        questions.setdefault(row["quiz_id"], []).append(question)
    assert all(len(qs) == scale.questions_per_quiz for qs in questions.values())
    enrolled = {
        (seed_uuid("user", student_index(scale, s)), seed_uuid("course", c))
        for _, s, c, _ in enrollment_plan(scale)
    }
    attempts = list(attempt_rows(scale))
    assert len(attempts) == scale.attempts
    assert len({(a["student_id"], a["quiz_id"]) for a in attempts}) == scale.attempts
    scores = set()
    for attempt in attempts:
        quiz = quizzes[attempt["quiz_id"]]
        assert quiz["is_published"] and (attempt["student_id"], quiz["course_id"]) in enrolled
        grade = grade_submission(
            questions[attempt["quiz_id"]],
            [SubmittedAnswer(UUID(a["question_id"]), a["answer"]) for a in attempt["answers"]],
            quiz["passing_score_percentage"],
        )
        assert (attempt["score"], attempt["passed"]) == (grade.score, grade.passed)
        assert [(a["correct"], a["points_earned"]) for a in attempt["answers"]] == [
            (r.correct, r.points_earned) for r in grade.answers
        ]
        assert attempt["question_order"] == [str(q.id) for q in questions[attempt["quiz_id"]]]
        assert attempt["started_at"] < attempt["ended_at"] < SEED_END
        scores.add(attempt["score"])
    assert min(scores) == 0.0 and max(scores) == 100.0 and len(scores) > 5
