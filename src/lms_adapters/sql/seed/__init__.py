"""Demo and benchmark data: ``lms seed-demo --scale small|large``.

Rows come from a deterministic generator: every id is derived from its kind and index
(``_uid``), so a second run finds the rows already there. Each *section* (users,
courses, lessons, enrollments, completions, ...) is written in one transaction and is
skipped when its first and last rows exist, so an interrupted run resumes where it stopped
and a finished one changes nothing. PostgreSQL is written with ``COPY``; SQLite with
``executemany`` in batches (plus ``ON CONFLICT DO NOTHING``).

One module per area writes that area's rows (``identity``, ``catalog``, ``learning``,
``assessment``); ``sections`` lists them in order and ``writing`` stores them. Extension point:
``SECTIONS`` is an ordered list of :class:`Section`; a later area appends its own sections, each
with a ``present`` check (for example "the table exists") so the seed runs on databases migrated
before that area existed.
"""

from lms_adapters.sql.seed.scale import DEMO_LOGINS, DEMO_PASSWORD, SCALES, SEED_END, Scale, seed_uuid
from lms_adapters.sql.seed.sections import SECTIONS, Section
from lms_adapters.sql.seed.writing import SeedReport, seed

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "SCALES",
    "SECTIONS",
    "SEED_END",
    "Scale",
    "Section",
    "SeedReport",
    "seed",
    "seed_uuid",
]
