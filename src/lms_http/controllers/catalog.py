"""/courses and /lessons: the catalog, its lessons, publishing and reordering."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from lms_domain.catalog import use_cases as uc
from lms_domain.catalog.entities import DifficultyLevel
from lms_domain.catalog.ports import CourseSort
from lms_domain.catalog.values import CATEGORY_MAX
from lms_domain.shared.actors import Actor
from lms_http.dto.catalog import (
    CourseCreate,
    CourseDetailOut,
    CourseOut,
    CoursePage,
    CourseUpdate,
    LessonCreate,
    LessonOut,
    LessonPage,
    LessonUpdate,
    ReorderIn,
    StaffIn,
    StaffOut,
    StaffPage,
)
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["CourseController", "LessonController"]

Mine = Annotated[bool, QueryParameter(description="Only the courses the caller owns or is on the staff of")]
CategoryFilter = Annotated[str | None, QueryParameter(max_length=CATEGORY_MAX, description="Exact category")]
LevelFilter = Annotated[DifficultyLevel | None, QueryParameter(description="Difficulty level")]
Search = Annotated[str | None, QueryParameter(max_length=255, description="Search in title and description")]
Sort = Annotated[CourseSort, QueryParameter(description="created_at, -created_at (default) or title")]


class CourseController(Controller):
    path, tags = "/courses", ["courses"]

    @get("/", responses=errors(401, 403, 422, 429, 503))
    async def list_courses(
        self,
        optional_actor: NamedDependency[Actor | None],
        list_courses: NamedDependency[uc.ListCourses],
        page: PageNumber = 1,
        page_size: PageSize = 20,
        mine: Mine = False,
        category: CategoryFilter = None,
        difficulty_level: LevelFilter = None,
        q: Search = None,
        sort: Sort = CourseSort.NEWEST,
    ) -> CoursePage:
        """List the courses the caller may see (published ones; drafts for their owner and admins)."""
        return CoursePage.of(
            await list_courses(
                actor=optional_actor,
                page=page_request(page, page_size),
                mine=mine,
                category=category,
                difficulty_level=difficulty_level,
                search=q,
                sort=sort,
            )
        )

    @post("/", status_code=201, responses=errors(401, 403, 422, 429, 503))
    async def create_course(
        self,
        data: JSONBody[CourseCreate],
        actor: NamedDependency[Actor],
        create_course: NamedDependency[uc.CreateCourse],
    ) -> CourseOut:
        """Create an unpublished course owned by the caller (instructor or admin).

        `prerequisite_course_ids`: courses a student must have completed before enrolling (each
        once, courses the caller may see; else 422)."""
        return CourseOut.of(await create_course(actor=actor, data=data.to_domain()))

    @get("/{course_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_course(
        self,
        course_id: FromPath[UUID],
        optional_actor: NamedDependency[Actor | None],
        get_course: NamedDependency[uc.GetCourse],
    ) -> CourseDetailOut:
        """A course with its lesson outline, in order: each lesson's `locked` is true for an enrolled
        student whose release rule is not met."""
        return CourseDetailOut.of_detail(await get_course(actor=optional_actor, course_id=course_id))

    @patch("/{course_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_course(
        self,
        course_id: FromPath[UUID],
        data: JSONBody[CourseUpdate],
        actor: NamedDependency[Actor],
        update_course: NamedDependency[uc.UpdateCourse],
    ) -> CourseOut:
        """Change a course (course editors); ``is_published`` is ignored here.

        `prerequisite_course_ids` replaces the list: an unknown course, the course itself, a course
        named twice or one that needs this course already (a cycle): 422."""
        return CourseOut.of(await update_course(actor=actor, course_id=course_id, changes=data.to_domain()))

    @post("/{course_id:uuid}/publish", status_code=200, responses=errors(401, 403, 404, 429, 503))
    async def publish_course(
        self,
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        publish_course: NamedDependency[uc.PublishCourse],
    ) -> CourseOut:
        """Publish a course (owner or admin)."""
        return CourseOut.of(await publish_course(actor=actor, course_id=course_id))

    @delete("/{course_id:uuid}", status_code=204, responses=errors(401, 403, 404, 429, 503))
    async def delete_course(
        self,
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_course: NamedDependency[uc.DeleteCourse],
    ) -> None:
        """Delete a course with its lessons, enrollments and progress (owner or admin)."""
        await delete_course(actor=actor, course_id=course_id)

    @post("/{course_id:uuid}/staff", status_code=201, responses=errors(401, 403, 404, 409, 422, 429, 503))
    async def add_staff(
        self,
        course_id: FromPath[UUID],
        data: JSONBody[StaffIn],
        actor: NamedDependency[Actor],
        add_staff: NamedDependency[uc.AddStaff],
    ) -> StaffOut:
        """Put a user on the course's staff as `co_instructor` or `teaching_assistant` (owner or
        admin). An unknown or inactive user: 404; the owner or someone on the staff already: 409."""
        member = await add_staff(actor=actor, course_id=course_id, user_id=data.user_id, role=data.role)
        return StaffOut.of(member)

    @get("/{course_id:uuid}/staff", responses=errors(401, 403, 404, 422, 429, 503))
    async def list_staff(
        self,
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        list_staff: NamedDependency[uc.ListStaff],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> StaffPage:
        """The course's staff in the order they were added (owner, staff, admins)."""
        return StaffPage.of(
            await list_staff(actor=actor, course_id=course_id, page=page_request(page, page_size))
        )

    @delete(
        "/{course_id:uuid}/staff/{user_id:uuid}", status_code=204, responses=errors(401, 403, 404, 429, 503)
    )
    async def remove_staff(
        self,
        course_id: FromPath[UUID],
        user_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        remove_staff: NamedDependency[uc.RemoveStaff],
    ) -> None:
        """Take a user off the course's staff (owner or admin); someone not on it: 404."""
        await remove_staff(actor=actor, course_id=course_id, user_id=user_id)

    @get("/{course_id:uuid}/lessons", responses=errors(401, 404, 422, 429, 503))
    async def list_lessons(
        self,
        course_id: FromPath[UUID],
        optional_actor: NamedDependency[Actor | None],
        list_lessons: NamedDependency[uc.ListLessons],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> LessonPage:
        """A course's lessons in order; content only for enrolled students, course editors, staff,
        admins or previews. For an enrolled student whose release rule is not met a lesson is
        `locked`, without `content` and `video_url` (even a preview)."""
        return LessonPage.of(
            await list_lessons(actor=optional_actor, course_id=course_id, page=page_request(page, page_size))
        )

    @post("/{course_id:uuid}/lessons", status_code=201, responses=errors(401, 403, 404, 409, 422, 429, 503))
    async def create_lesson(
        self,
        course_id: FromPath[UUID],
        data: JSONBody[LessonCreate],
        actor: NamedDependency[Actor],
        create_lesson: NamedDependency[uc.CreateLesson],
    ) -> LessonOut:
        """Add a lesson at the end of the course (course editors), with its `release_rule` when given:
        `after_lessons` (lessons of the course, not itself, each once, at most 100) and `after_quiz`
        (a quiz of the course, `min_score` 0-100); anything else, or lessons left waiting for each
        other: 422."""
        return LessonOut.of(await create_lesson(actor=actor, course_id=course_id, data=data.to_domain()))


class LessonController(Controller):
    path, tags = "/lessons", ["lessons"]

    @patch("/reorder", responses=errors(400, 401, 403, 404, 422, 429, 503))
    async def reorder_lessons(
        self,
        data: JSONBody[ReorderIn],
        actor: NamedDependency[Actor],
        reorder_lessons: NamedDependency[uc.ReorderLessons],
    ) -> LessonPage:
        """Put the course's lessons in the given order (exactly its lesson ids, each once)."""
        return LessonPage.of(
            await reorder_lessons(actor=actor, course_id=data.course_id, lesson_ids=data.lesson_ids)
        )

    @get("/{lesson_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_lesson(
        self,
        lesson_id: FromPath[UUID],
        optional_actor: NamedDependency[Actor | None],
        get_lesson: NamedDependency[uc.GetLesson],
    ) -> LessonOut:
        """A lesson, seen with its course's visibility; `locked` (no `content`, no `video_url`) for
        an enrolled student whose release rule is not met."""
        return LessonOut.of(await get_lesson(actor=optional_actor, lesson_id=lesson_id))

    @patch("/{lesson_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_lesson(
        self,
        lesson_id: FromPath[UUID],
        data: JSONBody[LessonUpdate],
        actor: NamedDependency[Actor],
        update_lesson: NamedDependency[uc.UpdateLesson],
    ) -> LessonOut:
        """Change a lesson (course editors); its order changes only through reorder. `release_rule`
        replaces the rule (null removes it), checked as on create (422)."""
        return LessonOut.of(await update_lesson(actor=actor, lesson_id=lesson_id, changes=data.to_domain()))

    @delete("/{lesson_id:uuid}", status_code=204, responses=errors(401, 403, 404, 429, 503))
    async def delete_lesson(
        self,
        lesson_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_lesson: NamedDependency[uc.DeleteLesson],
    ) -> None:
        """Delete a lesson and close the gap in the order (course editors); release rules that
        named it lose it, and a rule left with nothing in it is removed."""
        await delete_lesson(actor=actor, lesson_id=lesson_id)
