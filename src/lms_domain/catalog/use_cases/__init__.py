"""Catalog use cases: courses, their lessons, publishing and reordering.

Every use case that may change courses or lessons renews the catalog's stamp (``access.changing``).
"""

from lms_domain.catalog.entities import CourseChanges, LessonChanges, NewCourse, NewLesson
from lms_domain.catalog.use_cases.courses import (
    CourseDetail,
    CreateCourse,
    DeleteCourse,
    GetCourse,
    ListCourses,
    PublishCourse,
    UpdateCourse,
)
from lms_domain.catalog.use_cases.lessons import (
    CreateLesson,
    DeleteLesson,
    GetLesson,
    ListLessons,
    ReorderLessons,
    UpdateLesson,
)

__all__ = [
    "CourseChanges",
    "CourseDetail",
    "CreateCourse",
    "CreateLesson",
    "DeleteCourse",
    "DeleteLesson",
    "GetCourse",
    "GetLesson",
    "LessonChanges",
    "ListCourses",
    "ListLessons",
    "NewCourse",
    "NewLesson",
    "PublishCourse",
    "ReorderLessons",
    "UpdateCourse",
    "UpdateLesson",
]
