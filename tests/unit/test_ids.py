"""Row ids are UUIDs of version 7: ordered by the time they were made, unique, of the RFC's variant."""

from __future__ import annotations

import time
from uuid import RFC_4122

from lms_adapters.local.system import RandomIds, TimeOrderedIds
from lms_domain.shared.ids import time_ordered_id


def test_ids_are_version_7_and_ordered_by_time() -> None:
    ids = []
    for _ in range(3):
        ids.append(time_ordered_id())
        time.sleep(0.002)
    assert all(i.version == 7 and i.variant == RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert abs(int(ids[-1].hex[:12], 16) - time.time_ns() // 1_000_000) < 1000  # the time in ms first


def test_ids_made_in_one_millisecond_differ_and_grow() -> None:
    made = [time_ordered_id() for _ in range(10_000)]
    assert len(set(made)) == 10_000
    assert made == sorted(made)  # one after another: in order, even within a millisecond
    assert all(i.version == 7 and i.variant == RFC_4122 for i in made)


def test_new_rows_get_time_ordered_ids_and_tokens_random_ones() -> None:
    assert TimeOrderedIds().new_id().version == 7
    assert RandomIds().new_id().version == 4
