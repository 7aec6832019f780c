"""No N+1: a page of 5 or 50 certificates costs the same SQL statements (SQLite, PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.credentials import use_cases as uc
from lms_domain.credentials.entities import Certificate
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from tests.contract.catalog_data import at
from tests.contract.test_query_counts import Counter, sql, staff_user

__all__ = ["sql"]  # the fixture


async def test_my_certificates_with_5_or_50_rows_costs_the_same(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    learner = await staff_user(new_uow, Role.STUDENT)
    async with new_uow() as uow:
        for n in range(50):
            cert_id = uuid.uuid4()
            await uow.certificates.add(
                Certificate(
                    id=cert_id,
                    enrollment_id=None,
                    student_id=learner.user_id,
                    course_id=None,
                    certificate_number=f"CERT-2026-{n:06d}",
                    course_title=f"C{n}",
                    student_name="U",
                    issued_at=at(n),
                    pdf_key=f"certificate-{cert_id.hex}.pdf",
                )
            )
        await uow.commit()
    listing = uc.MyCertificates(new_uow())

    async def page(size: int) -> None:
        result = await listing(actor=learner, page=PageRequest(page_size=size))
        assert [c.certificate_number for c in result.items] == [
            f"CERT-2026-{n:06d}" for n in range(49, 49 - size, -1)
        ]

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert 2 <= small <= 4  # BEGIN (SQLite), a count, the page, and nothing per row
