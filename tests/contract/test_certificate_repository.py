"""CertificateRepository and CertificateSources against memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from lms_domain.credentials.badges import StatusEntry
from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import (
    CertificateExists,
    EnrollmentRef,
    NumberTaken,
    StatusIndexTaken,
    StatusListState,
)
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from tests.contract.catalog_data import NOW, at, course, enrollment, user
from tests.contract.conftest import UowFactory


async def world(new_uow: UowFactory, *, students: int = 1) -> tuple[UUID, list[tuple[UUID, UUID, UUID]]]:
    """A course with ``students`` enrollments: (course id, [(student, enrollment, course)])."""
    owner = user()
    c = course(owner.id, title="Zoë's Course", is_published=True)
    rows = []
    async with new_uow() as uow:
        await uow.users.add(owner)
        await uow.courses.add(c)
        for _ in range(students):
            s = user(Role.STUDENT)
            s.full_name = "Łukasz 李雷"
            e = enrollment(s.id, c.id)
            await uow.users.add(s)
            await uow.enrollments.add(e)
            rows.append((s.id, e.id, c.id))
        await uow.commit()
    return c.id, rows


def certificate(
    student_id: UUID, enrollment_id: UUID | None, course_id: UUID | None, **kw: Any
) -> Certificate:
    cert_id = uuid.uuid4()
    fields: dict[str, Any] = {
        "certificate_number": f"CERT-2026-{uuid.uuid4().int % 1_000_000:06d}",
        "issued_at": NOW,
        **kw,
    }
    return Certificate(
        id=cert_id,
        enrollment_id=enrollment_id,
        student_id=student_id,
        course_id=course_id,
        course_title="Zoë's Course",
        student_name="Łukasz 李雷",
        pdf_key=f"certificate-{cert_id.hex}.pdf",
        **fields,
    )


async def test_add_and_read_back_every_field_by_id_enrollment_and_number(new_uow: UowFactory) -> None:
    _, [(student, enr, crs)] = await world(new_uow)
    cert = certificate(student, enr, crs, issued_at=NOW + timedelta(microseconds=123_000))
    async with new_uow() as uow:
        await uow.certificates.add(cert)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.get(cert.id) == cert
        assert await uow.certificates.get_by_enrollment(enr) == cert
        assert await uow.certificates.get_by_number(cert.certificate_number) == cert
        assert await uow.certificates.get(uuid.uuid4()) is None
        assert await uow.certificates.get_by_enrollment(uuid.uuid4()) is None
        assert await uow.certificates.get_by_number("CERT-1999-000000") is None
        stored = await uow.certificates.get(cert.id)
        assert stored is not None and stored.issued_at.utcoffset() == timedelta(0)


async def test_leaving_without_commit_rolls_back(new_uow: UowFactory) -> None:
    _, [(student, enr, crs)] = await world(new_uow)
    cert = certificate(student, enr, crs)
    async with new_uow() as uow:
        await uow.certificates.add(cert)
    async with new_uow() as uow:
        assert await uow.certificates.get(cert.id) is None


async def test_one_certificate_per_enrollment_and_the_transaction_survives(new_uow: UowFactory) -> None:
    _, [(student, enr, crs), (student2, enr2, _)] = await world(new_uow, students=2)
    first = certificate(student, enr, crs)
    async with new_uow() as uow:
        await uow.certificates.add(first)
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(CertificateExists):
            await uow.certificates.add(certificate(student, enr, crs))
        other = certificate(student2, enr2, crs)
        await uow.certificates.add(other)  # the same transaction goes on (a SAVEPOINT on PostgreSQL)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.get_by_enrollment(enr) == first
        assert await uow.certificates.get(other.id) == other


async def test_numbers_are_unique(new_uow: UowFactory) -> None:
    _, [(student, enr, crs), (student2, enr2, _)] = await world(new_uow, students=2)
    first = certificate(student, enr, crs, certificate_number="CERT-2026-000042")
    async with new_uow() as uow:
        await uow.certificates.add(first)
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(NumberTaken):
            await uow.certificates.add(
                certificate(student2, enr2, crs, certificate_number="CERT-2026-000042")
            )
        with pytest.raises(NumberTaken):  # without an enrollment too
            await uow.certificates.add(
                certificate(student2, None, None, certificate_number="CERT-2026-000042")
            )
        await uow.certificates.add(certificate(student2, enr2, crs, certificate_number="CERT-2026-000043"))
        await uow.commit()
    async with new_uow() as uow:
        found = await uow.certificates.get_by_number("CERT-2026-000043")
        assert found is not None and found.student_id == student2


async def test_deleting_the_course_detaches_certificates_and_keeps_their_numbers(new_uow: UowFactory) -> None:
    course_id, [(student, enr, crs), (student2, _, _)] = await world(new_uow, students=2)
    cert = certificate(student, enr, crs)
    async with new_uow() as uow:
        await uow.certificates.add(cert)
        await uow.commit()
    async with new_uow() as uow:
        await uow.courses.remove(course_id)
        await uow.commit()
    async with new_uow() as uow:
        kept = await uow.certificates.get_by_number(cert.certificate_number)
        assert kept == replace(cert, enrollment_id=None, course_id=None)
        assert await uow.certificate_sources.enrollment(enr) is None
        with pytest.raises(NumberTaken):  # never reused
            await uow.certificates.add(
                certificate(student2, None, None, certificate_number=cert.certificate_number)
            )
        detached = certificate(student2, None, None)  # several rows without an enrollment are fine
        await uow.certificates.add(detached)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.get(detached.id) == detached


async def test_list_for_student_is_newest_first_paged_and_only_theirs(new_uow: UowFactory) -> None:
    owner = user()
    student, other = user(Role.STUDENT), user(Role.STUDENT)
    async with new_uow() as uow:
        for u in (owner, student, other):
            await uow.users.add(u)
        await uow.commit()
    mine = []
    async with new_uow() as uow:
        for i in range(5):
            c = course(owner.id, title=f"C{i}")
            e = enrollment(student.id, c.id)
            await uow.courses.add(c)
            await uow.enrollments.add(e)
            cert = certificate(student.id, e.id, c.id, issued_at=at(i % 3))
            await uow.certificates.add(cert)
            mine.append(cert)
        await uow.certificates.add(certificate(other.id, None, None))
        await uow.commit()
    expected = [c.id for c in sorted(mine, key=lambda c: (c.issued_at, c.id), reverse=True)]
    async with new_uow() as uow:
        first, total = await uow.certificates.list_for_student(student.id, page=PageRequest(1, 3))
        second, _ = await uow.certificates.list_for_student(student.id, page=PageRequest(2, 3))
        nothing, none_total = await uow.certificates.list_for_student(uuid.uuid4(), page=PageRequest(1, 3))
    assert total == 5 and [c.id for c in [*first, *second]] == expected
    assert (list(nothing), none_total) == ([], 0)


async def test_sources_read_the_enrollment_with_course_and_student_names(new_uow: UowFactory) -> None:
    owner = user()
    student = user(Role.STUDENT)
    student.full_name = "Ada Lovelace"
    c = course(owner.id, title="Analytical Engines")
    e = enrollment(student.id, c.id)
    async with new_uow() as uow:
        for u in (owner, student):
            await uow.users.add(u)
        await uow.courses.add(c)
        await uow.enrollments.add(e)
        await uow.commit()
    expected = EnrollmentRef(
        id=e.id,
        student_id=student.id,
        course_id=c.id,
        course_instructor_id=owner.id,
        completed_at=None,
        course_title="Analytical Engines",
        student_name="Ada Lovelace",
        student_email=student.email,
    )
    async with new_uow() as uow:
        assert await uow.certificate_sources.enrollment(e.id) == expected
        await uow.enrollments.mark_completed(e.id, at(60))
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificate_sources.enrollment(e.id) == replace(expected, completed_at=at(60))
        assert await uow.certificate_sources.enrollment(uuid.uuid4()) is None


# --- Open Badges: credentials, places in the revocation lists, revocation ---------------------

RACERS, ROUNDS = 12, 3


def backend(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["new_uow"])


async def race(request: pytest.FixtureRequest, new_uow: UowFactory, act: Any, n: int = RACERS) -> list[Any]:
    """``act(uow, i)`` in ``n`` units at once, each committing what it did; each answer, or the
    exception it raised. On PostgreSQL all units are open before any acts."""
    ready, go = 0, asyncio.Event()
    gate = backend(request) == "postgres"

    async def racer(i: int) -> Any:
        nonlocal ready
        async with new_uow() as uow:
            if gate:
                ready += 1
                if ready == n:
                    go.set()
                await asyncio.wait_for(go.wait(), 10)
            try:
                answer = await act(uow, i)
            except (StatusIndexTaken, NumberTaken, CertificateExists) as e:
                return e
            await uow.commit()
            return answer

    return list(await asyncio.gather(*(racer(i) for i in range(n))))


async def test_credential_place_and_revocation_are_stored_and_read_back(new_uow: UowFactory) -> None:
    _, [(student, enr, crs)] = await world(new_uow)
    cert = certificate(student, enr, crs, credential="header.payload.signature", status=StatusEntry(1, 77))
    async with new_uow() as uow:
        assert await uow.certificates.last_status_list() == 1  # none in use yet
        await uow.certificates.add(cert)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.get(cert.id) == cert
        assert await uow.certificates.revoke(cert.id, at=at(90), reason="Wrongly issued — 误发")
        assert not await uow.certificates.revoke(cert.id, at=at(95), reason="Again")
        assert not await uow.certificates.revoke(uuid.uuid4(), at=at(95), reason="Unknown")
        await uow.commit()
    async with new_uow() as uow:
        stored = await uow.certificates.get(cert.id)
        assert stored == replace(cert, revoked_at=at(90), revocation_reason="Wrongly issued — 误发")
        assert stored is not None and stored.revoked


async def test_a_taken_place_is_refused_and_the_transaction_survives(new_uow: UowFactory) -> None:
    _, [(s1, e1, crs), (s2, e2, _), (s3, e3, _)] = await world(new_uow, students=3)
    async with new_uow() as uow:
        await uow.certificates.add(certificate(s1, e1, crs, credential="a.b.c", status=StatusEntry(1, 5)))
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(StatusIndexTaken):
            await uow.certificates.add(certificate(s2, e2, crs, credential="a.b.c", status=StatusEntry(1, 5)))
        await uow.certificates.add(certificate(s2, e2, crs, credential="a.b.c", status=StatusEntry(2, 5)))
        await uow.certificates.add(certificate(s3, e3, crs))  # issued without a credential: no place
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.last_status_list() == 2


async def test_attaching_a_credential_happens_once(new_uow: UowFactory) -> None:
    _, [(s1, e1, crs), (s2, e2, _)] = await world(new_uow, students=2)
    old = certificate(s1, e1, crs)
    holder = certificate(s2, e2, crs, credential="x.y.z", status=StatusEntry(1, 9))
    async with new_uow() as uow:
        await uow.certificates.add(old)
        await uow.certificates.add(holder)
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(StatusIndexTaken):
            await uow.certificates.attach_credential(old.id, StatusEntry(1, 9), "first.try.jwt")
        assert await uow.certificates.attach_credential(old.id, StatusEntry(1, 10), "second.try.jwt")
        await uow.commit()
    async with new_uow() as uow:
        assert not await uow.certificates.attach_credential(old.id, StatusEntry(1, 11), "late.jwt")
        assert not await uow.certificates.attach_credential(uuid.uuid4(), StatusEntry(1, 12), "none.jwt")
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.get(old.id) == replace(
            old, credential="second.try.jwt", status=StatusEntry(1, 10)
        )


async def test_a_status_list_holds_its_revoked_places_and_when_it_changed(new_uow: UowFactory) -> None:
    _, rows = await world(new_uow, students=4)
    certs = [
        certificate(s, e, c, credential="j.w.t", status=StatusEntry(1, index), issued_at=at(i))
        for i, ((s, e, c), index) in enumerate(zip(rows, (400, 3, 131_071, 0), strict=True))
    ]
    async with new_uow() as uow:
        for cert in certs:
            await uow.certificates.add(cert)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.status_list(1) == StatusListState(revoked=[], changed_at=at(3))
        assert await uow.certificates.status_list(2) is None
        for cert, when in ((certs[2], at(50)), (certs[0], at(40))):
            assert await uow.certificates.revoke(cert.id, at=when, reason="r")
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificates.status_list(1) == StatusListState(
            revoked=[400, 131_071], changed_at=at(50)
        )


async def test_racing_units_never_share_a_place(request: pytest.FixtureRequest, new_uow: UowFactory) -> None:
    for n in range(ROUNDS):
        _, rows = await world(new_uow, students=RACERS)
        place = StatusEntry(1, 1000 + n)

        async def add(uow: Any, i: int, rows: Any = rows, place: StatusEntry = place) -> Certificate:
            s, e, c = rows[i]
            cert = certificate(s, e, c, credential="j.w.t", status=place)
            await uow.certificates.add(cert)
            return cert

        answers = await race(request, new_uow, add)
        winners = [a for a in answers if isinstance(a, Certificate)]
        assert len(winners) == 1, f"round {n}: {answers}"
        assert all(isinstance(a, StatusIndexTaken) for a in answers if a not in winners)
        async with new_uow() as uow:
            assert [await uow.certificates.get(a.id) for a in winners] == winners


async def test_racing_first_credentials_and_revocations_each_happen_once(
    request: pytest.FixtureRequest, new_uow: UowFactory
) -> None:
    for n in range(ROUNDS):
        _, [(s, e, c)] = await world(new_uow)
        old = certificate(s, e, c)
        async with new_uow() as uow:
            await uow.certificates.add(old)
            await uow.commit()

        async def attach(uow: Any, i: int, old: Certificate = old, n: int = n) -> bool:
            return bool(
                await uow.certificates.attach_credential(
                    old.id, StatusEntry(1, 20_000 + 100 * n + i), f"jwt.{i}.x"
                )
            )

        attached = await race(request, new_uow, attach)
        assert attached.count(True) == 1 and attached.count(False) == RACERS - 1, f"round {n}: {attached}"
        winner = attached.index(True)

        async def revoke(uow: Any, i: int, old: Certificate = old) -> bool:
            return bool(await uow.certificates.revoke(old.id, at=at(i), reason=f"reason {i}"))

        revoked = await race(request, new_uow, revoke)
        assert revoked.count(True) == 1, f"round {n}: {revoked}"
        first = revoked.index(True)
        async with new_uow() as uow:
            stored = await uow.certificates.get(old.id)
        assert stored is not None
        assert (stored.credential, stored.status) == (
            f"jwt.{winner}.x",
            StatusEntry(1, 20_000 + 100 * n + winner),
        )
        assert (stored.revoked_at, stored.revocation_reason) == (at(first), f"reason {first}")


async def test_sources_read_a_students_address(new_uow: UowFactory) -> None:
    student = user(Role.STUDENT)
    async with new_uow() as uow:
        await uow.users.add(student)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.certificate_sources.student_email(student.id) == student.email
        assert await uow.certificate_sources.student_email(uuid.uuid4()) is None
