"""Seeded courses (one in ten a draft) and their lessons."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from lms_adapters.sql.seed.identity import instructor_index
from lms_adapters.sql.seed.scale import ANCHOR, Scale, seed_uuid

__all__ = ["course_rows", "is_published", "lesson_minutes", "lesson_rows", "published_courses"]

CATEGORIES = (
    "programming", "data-science", "design", "business", "marketing", "languages", "music",
    "photography", "mathematics", "personal-development",
)  # fmt: skip
SUBJECTS = {
    "programming": ["Python", "Rust", "Go", "TypeScript", "SQL", "Kotlin", "Web APIs", "Testing"],
    "data-science": ["Statistics", "Pandas", "Machine Learning", "Data Visualisation", "Deep Learning"],
    "design": ["UX Research", "Typography", "Figma", "Colour Theory", "Design Systems"],
    "business": ["Accounting", "Negotiation", "Project Management", "Startups", "Leadership"],
    "marketing": ["SEO", "Copywriting", "Social Media", "Email Campaigns", "Brand Strategy"],
    "languages": ["Spanish", "Japanese", "German", "French", "Mandarin"],
    "music": ["Guitar", "Piano", "Music Theory", "Home Recording", "Songwriting"],
    "photography": ["Portraits", "Lightroom", "Street Photography", "Lighting", "Landscapes"],
    "mathematics": ["Linear Algebra", "Calculus", "Probability", "Discrete Maths", "Number Theory"],
    "personal-development": ["Public Speaking", "Time Management", "Writing", "Focus", "Habits"],
}
LEVEL_WORDS = {
    "beginner": ["Introduction to", "Getting Started with", "Foundations of"],
    "intermediate": ["Practical", "Hands-on", "Applied"],
    "advanced": ["Advanced", "Mastering", "Deep Dive into"],
}
LEVELS = tuple(LEVEL_WORDS)
LESSON_TOPICS = (
    "Overview", "Setting up", "Core ideas", "A first example", "Common mistakes", "Working with data",
    "Patterns", "Going further", "A case study", "Review and next steps", "Exercises", "Project",
)  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def is_published(i: int) -> bool:
    return i % 10 != 9  # one course in ten is a draft


def lesson_minutes(course: int, position: int) -> int:
    return 5 + (course * 7 + position * 13) % 26


def course_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    rng = random.Random(2)  # noqa: S311
    for i in range(scale.courses):
        category = CATEGORIES[i % len(CATEGORIES)]
        level = LEVELS[(i // len(CATEGORIES)) % len(LEVELS)]
        subject = rng.choice(SUBJECTS[category])
        title = f"{rng.choice(LEVEL_WORDS[level])} {subject}"
        if i >= len(CATEGORIES) * len(LEVELS):
            title = f"{title} {['I', 'II', 'III', 'Workshop', 'Bootcamp', 'Essentials'][i % 6]}"
        at = ANCHOR - timedelta(days=380) + timedelta(seconds=i * 30_000_000 // scale.courses)
        total = sum(lesson_minutes(i, p) for p in range(1, scale.lessons_per_course + 1))
        yield {
            "id": seed_uuid("course", i),
            "instructor_id": seed_uuid("user", instructor_index(scale, i)),
            "title": title,
            "slug": f"{_slug(title)}-{i}",
            "description": f"{'An' if level[0] in 'aeiou' else 'A'} {level} course on {subject} in "
            f"{scale.lessons_per_course} lessons, "
            f"with exercises and a final project.",
            "category": category,
            "difficulty_level": level,
            "is_published": is_published(i),
            "thumbnail_url": None,
            "estimated_duration_minutes": total,
            "created_at": at,
            "updated_at": at,
        }


def lesson_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    for c in range(scale.courses):
        at = ANCHOR - timedelta(days=380) + timedelta(seconds=c * 30_000_000 // scale.courses)
        for p in range(1, scale.lessons_per_course + 1):
            video = p % 3 != 0
            n = c * scale.lessons_per_course + p - 1
            yield {
                "id": seed_uuid("lesson", n),
                "course_id": seed_uuid("course", c),
                "title": f"{p}. {LESSON_TOPICS[(p - 1) % len(LESSON_TOPICS)]}",
                "content_type": "video" if video else "text",
                "content": None if video else "Read this lesson, then try the exercises at its end.",
                "video_url": f"https://videos.example.com/{c}/{p}.mp4" if video else None,
                "duration_minutes": lesson_minutes(c, p),
                "is_preview": p == 1,
                "position": p,
                "created_at": at,
                "updated_at": at,
            }


def published_courses(scale: Scale) -> list[int]:
    return [i for i in range(scale.courses) if is_published(i)]
