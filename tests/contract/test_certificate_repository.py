"""CertificateRepository and CertificateSources against memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import CertificateExists, EnrollmentRef, NumberTaken
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
