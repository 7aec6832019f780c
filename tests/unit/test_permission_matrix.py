"""Who may do what to a course and everything in it: every role against every action that a course
decides, on a published and on an unpublished course, through the use cases (in-memory adapters).

Each cell runs in a world of its own (a course with a lesson, a quiz with a question, a co-instructor
and a teaching assistant; on a published course also an enrolled student who finished the course
and submitted an attempt), so a write in one cell changes nothing another cell sees.

The rule the table encodes (the contract's "Everywhere" and "Course staff"): *readers* are the
owner, co-instructors, teaching assistants and admins; *editors* are the same but teaching
assistants; *managers* are the owner and admins. Whoever may not do something gets 403 when they
may see the thing and 404 when they may not.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import pytest

from lms_domain.analytics.use_cases import GetCourseAnalytics
from lms_domain.assessment import use_cases as quiz
from lms_domain.assessment.entities import QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.errors import Conflict, Forbidden, NotFound
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import QuizRequirement, ReleaseRule
from tests.builders import RecordingStamp
from tests.unit.credentials.harness import Credentials


class Who(StrEnum):
    ADMIN = "admin"
    OWNER = "owner"
    CO_INSTRUCTOR = "co_instructor"
    TEACHING_ASSISTANT = "teaching_assistant"
    ENROLLED = "enrolled student"
    STUDENT = "student"
    OTHER_INSTRUCTOR = "other instructor"


READERS = {Who.ADMIN, Who.OWNER, Who.CO_INSTRUCTOR, Who.TEACHING_ASSISTANT}
EDITORS = {Who.ADMIN, Who.OWNER, Who.CO_INSTRUCTOR}
MANAGERS = {Who.ADMIN, Who.OWNER}
OK, FORBIDDEN, NOT_FOUND = "ok", "403", "404"


@dataclass
class World(Credentials):
    people: dict[Who, Actor] = field(default_factory=dict)
    course_id: UUID | None = None
    lesson_id: UUID | None = None
    quiz_id: UUID | None = None
    question_id: UUID | None = None
    enrollment_id: UUID | None = None
    attempt_id: UUID | None = None

    def assessment(self, name: str) -> Any:
        rng = random.Random(1)
        built: dict[str, Callable[[], Any]] = {
            "create_quiz": lambda: quiz.CreateQuiz(self.uow(), self.clock, self.ids),
            "get_quiz": lambda: quiz.GetQuiz(self.uow()),
            "update_quiz": lambda: quiz.UpdateQuiz(self.uow(), self.clock),
            "publish_quiz": lambda: quiz.PublishQuiz(self.uow(), self.clock),
            "delete_quiz": lambda: quiz.DeleteQuiz(self.uow(), RecordingStamp()),
            "add_question": lambda: quiz.AddQuestion(self.uow(), self.clock, self.ids),
            "update_question": lambda: quiz.UpdateQuestion(self.uow(), self.clock),
            "delete_question": lambda: quiz.DeleteQuestion(self.uow(), self.clock),
            "start": lambda: quiz.StartAttempt(self.uow(), self.clock, self.ids, rng),
            "get_attempt": lambda: quiz.GetAttempt(self.uow()),
            "submit": lambda: quiz.SubmitAttempt(self.uow(), self.clock),
        }
        return built[name]()

    @property
    def ids_(self) -> tuple[UUID, UUID, UUID, UUID]:
        assert self.course_id and self.lesson_id and self.quiz_id and self.question_id
        return self.course_id, self.lesson_id, self.quiz_id, self.question_id


def question(text: str = "2 + 2?") -> quiz.NewQuestion:
    return quiz.NewQuestion(
        question_text=text, question_type=QuestionType.MULTIPLE_CHOICE, options=["3", "4"], correct_answer="4"
    )


async def world(published: bool) -> World:
    w = World()
    w.people = {
        Who.ADMIN: w.user(Role.ADMIN),
        Who.OWNER: w.user(Role.INSTRUCTOR),
        Who.CO_INSTRUCTOR: w.user(Role.INSTRUCTOR),
        Who.TEACHING_ASSISTANT: w.user(Role.STUDENT),  # a student account may assist
        Who.ENROLLED: w.user(Role.STUDENT),
        Who.STUDENT: w.user(Role.STUDENT),
        Who.OTHER_INSTRUCTOR: w.user(Role.INSTRUCTOR),
    }
    owner = w.people[Who.OWNER]
    course = await w.create_course(actor=owner, data=cat.NewCourse(title="Course"))
    w.course_id = course.id
    lesson = await w.create_lesson(
        actor=owner,
        course_id=course.id,
        data=cat.NewLesson(title="Lesson", content_type=ContentType.TEXT, content="The content"),
    )
    w.lesson_id = lesson.id
    add_staff = cat.AddStaff(w.uow(), w.clock, w.stamp)
    for who in (Who.CO_INSTRUCTOR, Who.TEACHING_ASSISTANT):
        w.clock.advance(seconds=1)
        await add_staff(
            actor=owner, course_id=course.id, user_id=w.people[who].user_id, role=StaffRole(who.value)
        )
    view = await w.assessment("create_quiz")(
        actor=owner,
        data=quiz.NewQuiz(course_id=course.id, title="Quiz", questions=[question(), question("1 + 1?")]),
    )
    await w.assessment("publish_quiz")(actor=owner, quiz_id=view.quiz.id)
    w.quiz_id, w.question_id = view.quiz.id, view.questions[0].id
    if published:
        await w.publish_course(actor=owner, course_id=course.id)
        student = w.people[Who.ENROLLED]
        enrollment = await w.enroll(actor=student, course_id=course.id)
        w.enrollment_id = enrollment.id
        await w.complete_lesson(actor=student, enrollment_id=enrollment.id, lesson_id=lesson.id)
        attempt = await w.assessment("start")(actor=student, quiz_id=view.quiz.id)
        w.attempt_id = attempt.attempt.id
        await w.assessment("submit")(
            actor=student,
            attempt_id=attempt.attempt.id,
            answers=[SubmittedAnswer(question_id=q.id, answer="4") for q in view.questions],
        )
    return w


Act = Callable[[World, Actor], Awaitable[Any]]


def sees(who: Who, published: bool) -> bool:
    """Who may see the course and what is published in it."""
    return published or who in READERS


def allowed(group: set[Who]) -> Callable[[Who, bool], str]:
    """A change only ``group`` may make: others 403 if they may see the thing, else 404."""

    def expect(who: Who, published: bool) -> str:
        if who in group:
            return OK
        return FORBIDDEN if sees(who, published) else NOT_FOUND

    return expect


def readable(who: Who, published: bool) -> str:
    return OK if sees(who, published) else NOT_FOUND


def attempt_or_enrollment(who: Who, published: bool) -> str:
    """Another student's enrollment or attempt: its student and the course's readers."""
    return OK if who in READERS or who is Who.ENROLLED else NOT_FOUND


def staff_list(who: Who, published: bool) -> str:
    if who in READERS:
        return OK
    return FORBIDDEN if sees(who, published) else NOT_FOUND


def analytics(who: Who, published: bool) -> str:
    return OK if who in READERS else FORBIDDEN


def only_the_student(who: Who, published: bool) -> str:
    """Completing a lesson or issuing a certificate of someone's enrollment: only that student;
    those who may see the enrollment 403, others 404."""
    if who is Who.ENROLLED:
        return OK
    return FORBIDDEN if who in READERS else NOT_FOUND


async def course_page(w: World, a: Actor) -> Any:
    return await w.get_course(actor=a, course_id=w.ids_[0])


async def update_course(w: World, a: Actor) -> Any:
    return await w.update_course(actor=a, course_id=w.ids_[0], changes=cat.CourseChanges(title="New"))


async def publish_course(w: World, a: Actor) -> Any:
    return await w.publish_course(actor=a, course_id=w.ids_[0])


async def delete_course(w: World, a: Actor) -> Any:
    return await w.delete_course(actor=a, course_id=w.ids_[0])


async def add_staff(w: World, a: Actor) -> Any:
    newcomer = w.user(Role.INSTRUCTOR)
    return await cat.AddStaff(w.uow(), w.clock, w.stamp)(
        actor=a, course_id=w.ids_[0], user_id=newcomer.user_id, role=StaffRole.TEACHING_ASSISTANT
    )


async def list_staff(w: World, a: Actor) -> Any:
    return await cat.ListStaff(w.uow())(actor=a, course_id=w.ids_[0], page=PageRequest(1, 20))


async def remove_staff(w: World, a: Actor) -> Any:
    co = w.people[Who.CO_INSTRUCTOR].user_id
    return await cat.RemoveStaff(w.uow(), w.clock, w.stamp)(actor=a, course_id=w.ids_[0], user_id=co)


async def list_lessons(w: World, a: Actor) -> Any:
    return await w.list_lessons(actor=a, course_id=w.ids_[0], page=PageRequest(1, 20))


async def get_lesson(w: World, a: Actor) -> Any:
    return await w.get_lesson(actor=a, lesson_id=w.ids_[1])


async def create_lesson(w: World, a: Actor) -> Any:
    data = cat.NewLesson(title="Another", content_type=ContentType.TEXT, content="x")
    return await w.create_lesson(actor=a, course_id=w.ids_[0], data=data)


async def update_lesson(w: World, a: Actor) -> Any:
    return await w.update_lesson(actor=a, lesson_id=w.ids_[1], changes=cat.LessonChanges(title="Renamed"))


async def delete_lesson(w: World, a: Actor) -> Any:
    return await w.delete_lesson(actor=a, lesson_id=w.ids_[1])


async def set_release_rule(w: World, a: Actor) -> Any:
    rule = ReleaseRule(after_quiz=QuizRequirement(quiz_id=w.ids_[2], min_score=50))
    return await w.update_lesson(actor=a, lesson_id=w.ids_[1], changes=cat.LessonChanges(release_rule=rule))


async def set_prerequisites(w: World, a: Actor) -> Any:
    admin = w.people[Who.ADMIN]  # a published course of someone else, which everyone may name
    before = await w.create_course(actor=admin, data=cat.NewCourse(title="Before"))
    await w.publish_course(actor=admin, course_id=before.id)
    changes = cat.CourseChanges(prerequisite_course_ids=(before.id,))
    return await w.update_course(actor=a, course_id=w.ids_[0], changes=changes)


async def reorder_lessons(w: World, a: Actor) -> Any:
    return await w.reorder_lessons(actor=a, course_id=w.ids_[0], lesson_ids=[w.ids_[1]])


async def create_quiz(w: World, a: Actor) -> Any:
    return await w.assessment("create_quiz")(
        actor=a, data=quiz.NewQuiz(course_id=w.ids_[0], title="Another", questions=[question()])
    )


async def get_quiz(w: World, a: Actor) -> Any:
    return await w.assessment("get_quiz")(actor=a, quiz_id=w.ids_[2])


async def update_quiz(w: World, a: Actor) -> Any:
    return await w.assessment("update_quiz")(
        actor=a, quiz_id=w.ids_[2], changes=quiz.QuizChanges(title="New")
    )


async def publish_quiz(w: World, a: Actor) -> Any:
    return await w.assessment("publish_quiz")(actor=a, quiz_id=w.ids_[2])


async def delete_quiz(w: World, a: Actor) -> Any:
    return await w.assessment("delete_quiz")(actor=a, quiz_id=w.ids_[2])


async def add_question(w: World, a: Actor) -> Any:
    return await w.assessment("add_question")(actor=a, quiz_id=w.ids_[2], data=question("3 + 1?"))


async def update_question(w: World, a: Actor) -> Any:
    _, _, quiz_id, question_id = w.ids_
    changes = quiz.QuestionChanges(question_text="1 + 3?")
    return await w.assessment("update_question")(
        actor=a, quiz_id=quiz_id, question_id=question_id, changes=changes
    )


async def delete_question(w: World, a: Actor) -> Any:
    _, _, quiz_id, question_id = w.ids_
    return await w.assessment("delete_question")(actor=a, quiz_id=quiz_id, question_id=question_id)


async def get_attempt(w: World, a: Actor) -> Any:
    assert w.attempt_id is not None
    return await w.assessment("get_attempt")(actor=a, attempt_id=w.attempt_id)


async def get_enrollment(w: World, a: Actor) -> Any:
    assert w.enrollment_id is not None
    return await w.get_enrollment(actor=a, enrollment_id=w.enrollment_id)


async def complete_lesson(w: World, a: Actor) -> Any:
    assert w.enrollment_id is not None
    return await w.complete_lesson(actor=a, enrollment_id=w.enrollment_id, lesson_id=w.ids_[1])


async def course_analytics(w: World, a: Actor) -> Any:
    from lms_adapters.memory.analytics import MemoryAnalyticsQueries

    return await GetCourseAnalytics(MemoryAnalyticsQueries(w.state))(actor=a, course_id=w.ids_[0])


async def generate_certificate(w: World, a: Actor) -> Any:
    assert w.enrollment_id is not None
    return await w.generate(actor=a, enrollment_id=w.enrollment_id)


# action -> (what it does, the expected outcome per role and publication, published only?)
MATRIX: dict[str, tuple[Act, Callable[[Who, bool], str], bool]] = {
    "get course": (course_page, readable, False),
    "update course": (update_course, allowed(EDITORS), False),
    "publish course": (publish_course, allowed(EDITORS), False),
    "delete course": (delete_course, allowed(MANAGERS), False),
    "add staff": (add_staff, allowed(MANAGERS), False),
    "list staff": (list_staff, staff_list, False),
    "remove staff": (remove_staff, allowed(MANAGERS), False),
    "list lessons": (list_lessons, readable, False),
    "get lesson": (get_lesson, readable, False),
    "create lesson": (create_lesson, allowed(EDITORS), False),
    "update lesson": (update_lesson, allowed(EDITORS), False),
    "delete lesson": (delete_lesson, allowed(EDITORS), False),
    "set release rule": (set_release_rule, allowed(EDITORS), False),
    "set prerequisites": (set_prerequisites, allowed(EDITORS), False),
    "reorder lessons": (reorder_lessons, allowed(EDITORS), False),
    "create quiz": (create_quiz, allowed(EDITORS), False),
    "get quiz": (get_quiz, readable, False),
    "update quiz": (update_quiz, allowed(EDITORS), False),
    "publish quiz": (publish_quiz, allowed(EDITORS), False),
    "delete quiz": (delete_quiz, allowed(EDITORS), False),
    "add question": (add_question, allowed(EDITORS), False),
    "update question": (update_question, allowed(EDITORS), False),
    "delete question": (delete_question, allowed(EDITORS), False),
    "course analytics": (course_analytics, analytics, False),
    "get attempt": (get_attempt, attempt_or_enrollment, True),
    "get enrollment": (get_enrollment, attempt_or_enrollment, True),
    "complete lesson": (complete_lesson, only_the_student, True),
    "generate certificate": (generate_certificate, only_the_student, True),
}

CELLS = [
    pytest.param(action, who, published, id=f"{action}-{who.value}-{'published' if published else 'draft'}")
    for action, (_, _, published_only) in MATRIX.items()
    for published in ((True,) if published_only else (True, False))
    for who in Who
    if published or who is not Who.ENROLLED  # nobody is enrolled in a draft
]


@pytest.mark.parametrize(("action", "who", "published"), CELLS)
async def test_permission_matrix(action: str, who: Who, published: bool) -> None:
    act, expect, _ = MATRIX[action]
    w = await world(published)
    try:
        await act(w, w.people[who])
        outcome = OK
    except Forbidden:
        outcome = FORBIDDEN
    except NotFound:
        outcome = NOT_FOUND
    assert outcome == expect(who, published)


@pytest.mark.parametrize("published", [True, False])
async def test_readers_see_answers_and_content_others_do_not(published: bool) -> None:
    """Beyond yes or no: correct answers and lesson content are for readers (and content for the
    enrolled), everyone else sees the outline."""
    w = await world(published)
    for who in Who:
        if not sees(who, published) or (who is Who.ENROLLED and not published):
            continue
        actor = w.people[who]
        shown = await get_quiz(w, actor)
        answers = shown.include_answers
        lesson = await get_lesson(w, actor)
        assert answers == (who in READERS), who
        assert (lesson.content is not None) == (who in READERS or who is Who.ENROLLED), who


async def test_the_course_page_lists_its_staff_and_mine_finds_staff_courses() -> None:
    w = await world(published=False)
    page = await course_page(w, w.people[Who.TEACHING_ASSISTANT])
    assert [(m.user_id, m.role) for m in page.course.staff] == [
        (w.people[Who.CO_INSTRUCTOR].user_id, StaffRole.CO_INSTRUCTOR),
        (w.people[Who.TEACHING_ASSISTANT].user_id, StaffRole.TEACHING_ASSISTANT),
    ]
    for who in (Who.CO_INSTRUCTOR, Who.TEACHING_ASSISTANT, Who.OWNER):
        mine = await w.list_courses(actor=w.people[who], page=PageRequest(1, 20), mine=True)
        assert [c.id for c in mine.items] == [w.course_id], who
        listed = await w.list_courses(actor=w.people[who], page=PageRequest(1, 20))
        assert [c.id for c in listed.items] == [w.course_id], who  # the draft shows for its staff
    other = w.people[Who.OTHER_INSTRUCTOR]
    assert (await w.list_courses(actor=other, page=PageRequest(1, 20), mine=True)).total == 0
    with pytest.raises(Forbidden):  # a student on no course's staff has no courses of their own
        await w.list_courses(actor=w.people[Who.STUDENT], page=PageRequest(1, 20), mine=True)
    for who in (Who.STUDENT, Who.OTHER_INSTRUCTOR):
        assert (await w.list_courses(actor=w.people[who], page=PageRequest(1, 20))).total == 0


async def test_a_release_rule_locks_out_the_enrolled_student_alone() -> None:
    """A lesson waiting for a lesson nobody completed: locked (without its content) for the enrolled
    student only, who may not complete it (409); every reader sees and may complete it."""
    w = await world(published=True)
    owner = w.people[Who.OWNER]
    data = cat.NewLesson(title="Before", content_type=ContentType.TEXT, content="x")
    before = await w.create_lesson(actor=owner, course_id=w.ids_[0], data=data)
    gated = await w.update_lesson(
        actor=owner,
        lesson_id=w.ids_[1],
        changes=cat.LessonChanges(release_rule=ReleaseRule(after_lessons=(before.id,))),
    )
    for who in Who:
        shown = await get_lesson(w, w.people[who])
        listed = (await list_lessons(w, w.people[who])).items[0]
        outline = (await course_page(w, w.people[who])).lessons[0]
        locked = who is Who.ENROLLED
        assert (shown.locked, listed.locked, outline.locked) == (locked, locked, locked), who
        assert (shown.content is None) == (locked or who not in READERS), who
    with pytest.raises(Conflict):
        await complete_lesson(w, w.people[Who.ENROLLED])
    assert gated.release_rule == ReleaseRule(after_lessons=(before.id,))
