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
from lms_domain.catalog.use_cases.staff import AddStaff, ListStaff, RemoveStaff

__all__ = [
    "AddStaff",
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
    "ListStaff",
    "NewCourse",
    "NewLesson",
    "PublishCourse",
    "RemoveStaff",
    "ReorderLessons",
    "UpdateCourse",
    "UpdateLesson",
]
