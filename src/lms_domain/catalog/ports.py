"""What the catalog needs from storage."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lms_domain.catalog.entities import Course, DifficultyLevel, Lesson
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_domain.shared.release import ProgressReader, ReleaseRule

__all__ = [
    "NO_COPIES",
    "CatalogCopies",
    "CatalogReader",
    "CatalogShelf",
    "CatalogStamp",
    "CatalogUnitOfWork",
    "CourseEnrollments",
    "CourseOutline",
    "CourseQuery",
    "CourseReader",
    "CourseRepository",
    "CourseSort",
    "CourseStaffRepository",
    "EnrollmentCheck",
    "LessonOrderTaken",
    "LessonReader",
    "LessonRepository",
    "OwnerGone",
    "PrerequisiteCycle",
    "PrerequisiteGone",
    "QuizPlacement",
    "QuizPlacements",
    "ReleaseTargetGone",
    "SlugTaken",
    "StaffExists",
]


class SlugTaken(Exception):
    """Raised by ``CourseRepository.add`` when another course has the slug (a unique constraint)."""


class OwnerGone(Exception):
    """Raised by ``CourseRepository.add`` when the owner's account is inactive or erased."""


class StaffExists(Exception):
    """Raised by ``CourseStaffRepository.add``: the user is on the course's staff already (the
    primary key decides)."""


class LessonOrderTaken(Exception):
    """Raised by ``LessonRepository.add`` when the course already has a lesson at that position."""


class ReleaseTargetGone(Exception):
    """Raised by ``LessonRepository.set_release_rule``: a lesson or quiz the rule names no longer
    exists (a foreign key decides; e.g. a quiz deleted after the use case read it)."""


class PrerequisiteCycle(Exception):
    """Raised by ``CourseRepository.set_prerequisites``: a new prerequisite already needs the
    course, directly or through other courses."""


class PrerequisiteGone(Exception):
    """Raised by ``CourseRepository.set_prerequisites``: a course it names no longer exists (a
    foreign key decides)."""


class CourseSort(StrEnum):
    CREATED_AT = "created_at"
    NEWEST = "-created_at"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class CourseQuery:
    """Which courses a list shows.

    Visibility: every course when ``include_unpublished``; otherwise published
    ones plus those ``viewer_id`` owns or is staff of (drafts included). ``instructor_id``
    keeps the courses that user owns or is staff of (``mine=true``).
    """

    include_unpublished: bool = False
    viewer_id: UUID | None = None
    instructor_id: UUID | None = None
    category: str | None = None
    difficulty_level: DifficultyLevel | None = None
    search: str | None = None
    sort: CourseSort = CourseSort.NEWEST
    ids: frozenset[UUID] | None = None
    """Only these courses (when given)."""


class CourseReader(Protocol):
    async def get(self, course_id: UUID) -> Course | None:
        """The course with its ``staff`` (by the time they were added) and its prerequisites."""
        ...

    async def list(self, *, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int]:
        """With their prerequisites (not their staff): a fixed number of statements."""
        ...

    async def draft_readers(self) -> frozenset[UUID]:
        """Everyone who owns or is on the staff of an unpublished course (who may see a course
        that anonymous callers do not): one statement."""
        ...


class CourseRepository(CourseReader, Protocol):
    async def get(self, course_id: UUID, *, for_update: bool = False) -> Course | None:
        """``for_update`` locks the row until the unit of work ends. The course is the root of its
        lessons: every write of the course or its lessons takes this lock first, and reads what it
        changes after it."""
        ...

    async def taken_slugs(self, base: str) -> set[str]:
        """Slugs in use that equal ``base`` or start with ``base-``."""
        ...

    async def add(self, course: Course) -> None:
        """Insert; raises ``SlugTaken`` (a unique constraint decides), or ``OwnerGone`` when the
        owner's account is no longer active (read under a share lock: a deactivation or erasure
        under way finishes first, so an erased account never ends up owning a course)."""
        ...

    async def update(self, course: Course) -> None:
        """Write the whole row: only for a course read with ``for_update=True`` in this unit
        (``add`` and ``update`` leave the prerequisites alone: see ``set_prerequisites``)."""
        ...

    async def set_prerequisites(self, course_id: UUID, prerequisite_ids: Sequence[UUID]) -> None:
        """Make these (in this order) the course's prerequisites. Raises ``PrerequisiteCycle`` when
        one of them needs the course already, directly or through others (checked under a lock
        that takes such changes one at a time, so two racing changes cannot make a cycle between
        them), and ``PrerequisiteGone`` when one no longer exists."""
        ...

    async def remove(self, course_id: UUID) -> None:
        """Delete the course with its lessons, enrollments and progress; it stops being a
        prerequisite of other courses."""
        ...


class CourseStaffRepository(Protocol):
    async def add(
        self, course_id: UUID, user_id: UUID, role: StaffRole, *, at: datetime
    ) -> StaffMember | None:
        """Put an active user on the course's staff: the new member, None when no active user has
        that id. Raises ``StaffExists``."""
        ...

    async def remove(self, course_id: UUID, user_id: UUID) -> bool:
        """False when the user was not on the course's staff."""
        ...


class LessonReader(Protocol):
    async def get(self, lesson_id: UUID) -> Lesson | None:
        """The lesson with its release rule."""
        ...

    async def list_for_course(
        self, course_id: UUID, *, page: PageRequest | None = None
    ) -> tuple[Sequence[Lesson], int]:
        """In order, with their release rules; all of them when ``page`` is None. A fixed number of
        statements whatever the number of lessons."""
        ...


class LessonRepository(LessonReader, Protocol):
    async def next_order(self, course_id: UUID) -> int:
        """The last lesson's ``order`` + 1 (1 for a course without lessons)."""
        ...

    async def add(self, lesson: Lesson) -> None:
        """Insert; raises ``LessonOrderTaken`` when the position is used (a unique constraint)."""
        ...

    async def update(self, lesson: Lesson) -> None:
        """Save every field except ``order`` (see ``set_order``) and the release rule (``add``
        leaves it out too: see ``set_release_rule``)."""
        ...

    async def set_release_rule(self, lesson_id: UUID, rule: ReleaseRule | None) -> None:
        """Give the lesson this rule (None: none). Raises ``ReleaseTargetGone`` when a lesson or
        the quiz it names no longer exists."""
        ...

    async def remove(self, lesson_id: UUID) -> None:
        """Delete the lesson and its completions (the others keep their ``order``); it leaves the
        release rules that named it, and a rule left with nothing in it is gone."""
        ...

    async def set_order(self, course_id: UUID, lesson_ids: Sequence[UUID]) -> None:
        """Number the course's lessons 1..n in the given order (exactly its lesson ids)."""
        ...


@dataclass(frozen=True, slots=True)
class QuizPlacement:
    """Where a quiz sits: its course, and the lesson it is attached to (if any)."""

    course_id: UUID
    lesson_id: UUID | None


class QuizPlacements(Protocol):
    """What the catalog asks of quizzes (for the rules that name them)."""

    async def of(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, QuizPlacement]:
        """The quizzes among ``quiz_ids`` that exist, in one statement."""
        ...


class EnrollmentCheck(Protocol):
    """Whether someone is enrolled in a course (what the catalog's readers ask of enrollments)."""

    async def is_enrolled(self, *, student_id: UUID, course_id: UUID) -> bool: ...


class CourseEnrollments(EnrollmentCheck, Protocol):
    """What the catalog's writers ask of a course's enrollments."""

    async def lock_for_course(self, course_id: UUID) -> None:
        """Lock the course's enrollments until the unit of work ends: taken after the course and
        before its lessons change, so a lesson completion in flight finishes first (and one that
        comes later sees the change)."""
        ...

    async def complete_finished(self, course_id: UUID, at: datetime) -> Sequence[tuple[UUID, UUID]]:
        """Set ``completed_at`` (to ``at``) on the course's open enrollments whose every lesson is
        now completed, when the course has lessons: counted by the store. Answers the ids of the
        enrollments it completed, with their students'."""
        ...


class CatalogStamp(Protocol):
    """What copies of the public catalog (courses and their lesson outlines) are checked against.

    Every use case that may change courses or lessons renews it once its unit of work is over,
    committed or not, so a copy made before the change is never used after it."""

    async def renew(self) -> None:
        """Mark every copy made until now as stale. Never raises: a stamp that cannot be renewed
        now is renewed as soon as its store answers (until then, copies are not used)."""
        ...


@dataclass(frozen=True, slots=True)
class CourseOutline:
    """A course with its lessons in order, without their material: what its page shows alike to
    every caller but for each lesson's ``locked``."""

    course: Course
    lessons: tuple[Lesson, ...]


class CatalogShelf(Protocol):
    """The copies kept under one reading of the catalog's stamp. What it hands out is shared by
    every request that finds it: read it, never change it."""

    def courses(self, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int] | None:
        """The page of courses ``query`` found (and the total), when a copy is kept."""
        ...

    def keep_courses(
        self, query: CourseQuery, page: PageRequest, found: tuple[Sequence[Course], int]
    ) -> None:
        """Keep what ``query`` found, read after the shelf was opened."""
        ...

    def outline(self, course_id: UUID) -> CourseOutline | None: ...

    def keep_outline(self, outline: CourseOutline) -> None: ...

    def draft_readers(self) -> frozenset[UUID] | None:
        """A copy of ``CourseReader.draft_readers``, when kept."""
        ...

    def keep_draft_readers(self, readers: frozenset[UUID]) -> None: ...


class CatalogCopies(Protocol):
    """Copies of what the catalog shows alike to every caller (pages of published courses, course
    outlines, who may see drafts), kept while the catalog's stamp is unchanged: every catalog write
    renews it before it answers (``CatalogStamp``), so a read that starts after a write has
    answered never finds a copy made before it."""

    async def shelf(self) -> CatalogShelf | None:
        """The copies kept under the stamp as it is now; what is kept on it is kept under that
        stamp (so a copy read before a write is never found after it). None when the stamp
        cannot be read: read the database and keep nothing."""
        ...


class _NoCopies:
    """Keeps nothing: every read goes to the database."""

    async def shelf(self) -> CatalogShelf | None:
        return None


NO_COPIES: CatalogCopies = _NoCopies()
"""The catalog's reads without copies (tests, embedders that keep none)."""


class CatalogReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def courses(self) -> CourseReader: ...
    @property
    def lessons(self) -> LessonReader: ...
    @property
    def enrollments(self) -> EnrollmentCheck: ...
    @property
    def learner_progress(self) -> ProgressReader: ...


class CatalogUnitOfWork(CatalogReader, UnitOfWork, Protocol):
    @property
    def courses(self) -> CourseRepository: ...
    @property
    def lessons(self) -> LessonRepository: ...
    @property
    def enrollments(self) -> CourseEnrollments: ...
    @property
    def course_staff(self) -> CourseStaffRepository: ...
    @property
    def quiz_placements(self) -> QuizPlacements: ...
