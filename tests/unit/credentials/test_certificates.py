"""Issuing, reading, downloading and verifying certificates on in-memory adapters."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms_domain.catalog.use_cases import CourseChanges
from lms_domain.credentials.entities import Certificate, format_number, is_certificate_number
from lms_domain.credentials.ports import CertificateView
from lms_domain.credentials.use_cases import CertificatePolicy
from lms_domain.shared.actors import Role
from lms_domain.shared.errors import Forbidden, InvalidRequest, NotFound, Unavailable
from lms_domain.shared.pagination import PageRequest
from tests.unit.credentials.harness import Credentials, ScriptedRandom

NUMBER = re.compile(r"CERT-\d{4}-\d{6}")


def taken(number: str, student_id: uuid.UUID) -> Certificate:
    return Certificate(
        id=uuid.uuid4(),
        enrollment_id=None,
        student_id=student_id,
        course_id=None,
        certificate_number=number,
        course_title="Old course",
        student_name="Someone",
        issued_at=datetime(2020, 1, 1, tzinfo=UTC),
        pdf_key=f"certificate-{uuid.uuid4().hex}.pdf",
    )


async def test_first_call_issues_later_calls_return_the_same_certificate() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user(full_name="Grace Hopper")
    course_id, enrollment_id = await c.enrollment(owner, learner)
    first = await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert first.created is True
    cert = first.certificate
    assert (cert.enrollment_id, cert.course_id, cert.student_id) == (
        enrollment_id,
        course_id,
        learner.user_id,
    )
    assert (cert.course_title, cert.student_name, cert.issued_at) == (
        "Python Basics",
        "Grace Hopper",
        c.clock.now(),
    )
    assert cert.certificate_number == f"CERT-{c.clock.now().year}-123456"
    assert cert.pdf_key is not None
    assert list(c.blobs.blobs) == [cert.pdf_key]
    assert c.blobs.blobs[cert.pdf_key] == (b"%PDF-1.7 " + cert.certificate_number.encode(), "application/pdf")
    assert c.renderer.views == [
        CertificateView(
            student_name="Grace Hopper",
            course_title="Python Basics",
            certificate_number=cert.certificate_number,
            issued_at=c.clock.now(),
            verification_url=f"https://lms.example.com/api/v1/certificates/verify/{cert.certificate_number}",
        )
    ]
    [notice] = c.state.mail_messages.values()  # the student's message, queued with the certificate
    assert notice.to == c.state.users[learner.user_id].email
    assert cert.certificate_number in notice.text
    assert f"https://lms.example.com/api/v1/certificates/verify/{cert.certificate_number}" in notice.text
    c.clock.advance(days=3)
    again = await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert (again.created, again.certificate) == (False, cert)
    assert len(c.renderer.views) == 1 and len(c.state.certificates) == 1 and len(c.blobs.blobs) == 1
    assert len(c.state.mail_messages) == 1


async def test_an_incomplete_enrollment_gets_400_and_nothing_is_stored() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner, complete=False)
    with pytest.raises(InvalidRequest, match="not completed"):
        await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert (c.state.certificates, c.blobs.blobs, c.renderer.views) == ({}, {}, [])


async def test_only_the_student_generates_owner_and_admin_403_others_404() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    for who in (owner, c.user(Role.ADMIN)):
        with pytest.raises(Forbidden):
            await c.generate(actor=who, enrollment_id=enrollment_id)
    for who in (c.user(), c.user(Role.INSTRUCTOR)):
        with pytest.raises(NotFound, match="Enrollment not found"):
            await c.generate(actor=who, enrollment_id=enrollment_id)
    with pytest.raises(NotFound):
        await c.generate(actor=learner, enrollment_id=uuid.uuid4())
    assert c.state.certificates == {}


async def test_title_and_name_are_fixed_at_issue_time() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user(full_name="Old Name")
    course_id, enrollment_id = await c.enrollment(owner, learner, title="Old Title")
    cert = (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate
    await c.update_course(actor=owner, course_id=course_id, changes=CourseChanges(title="New Title"))
    c.state.users[learner.user_id].full_name = "New Name"
    for found in (
        await c.get(actor=learner, certificate_id=cert.id),
        await c.verify(certificate_number=cert.certificate_number),
        (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate,
    ):
        assert (found.course_title, found.student_name) == ("Old Title", "Old Name")


async def test_get_and_download_by_the_student_and_admins_others_404() -> None:
    c = Credentials()
    owner, learner, admin = c.user(Role.INSTRUCTOR), c.user(), c.user(Role.ADMIN)
    _, enrollment_id = await c.enrollment(owner, learner)
    cert = (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate
    for who in (learner, admin):
        assert await c.get(actor=who, certificate_id=cert.id) == cert
        url = await c.download_url(actor=who, certificate_id=cert.id)
        assert url == f"memory://{cert.pdf_key}?name=certificate-{cert.certificate_number}.pdf&expires_in=300"
    for who in (owner, c.user()):
        with pytest.raises(NotFound, match="Certificate not found"):
            await c.get(actor=who, certificate_id=cert.id)
        with pytest.raises(NotFound):
            await c.download_url(actor=who, certificate_id=cert.id)
    with pytest.raises(NotFound):
        await c.get(actor=admin, certificate_id=uuid.uuid4())


async def test_verification_is_public_and_404_for_unknown_or_malformed_numbers() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    cert = (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate
    assert await c.verify(certificate_number=cert.certificate_number) == cert
    for number in (
        "CERT-2026-000000",
        "cert-2026-123456",
        "CERT-2026-1234567",
        "",
        "x" * 200,
        "CERT-26-123456",
    ):
        if number == cert.certificate_number:
            continue
        with pytest.raises(NotFound):
            await c.verify(certificate_number=number)


async def test_deleting_the_course_keeps_the_certificate_verifiable() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    course_id, enrollment_id = await c.enrollment(owner, learner)
    cert = (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate
    await c.delete_course(actor=owner, course_id=course_id)
    kept = await c.verify(certificate_number=cert.certificate_number)
    assert (kept.enrollment_id, kept.course_id) == (None, None)
    assert (kept.id, kept.course_title, kept.student_name) == (cert.id, cert.course_title, cert.student_name)
    assert (await c.get(actor=learner, certificate_id=cert.id)).course_id is None
    with pytest.raises(NotFound):
        await c.generate(actor=learner, enrollment_id=enrollment_id)


async def test_my_certificates_lists_mine_newest_first_in_pages() -> None:
    c = Credentials()
    owner, learner, other = c.user(Role.INSTRUCTOR), c.user(), c.user()
    issued = []
    for i in range(3):
        _, enrollment_id = await c.enrollment(owner, learner, title=f"Course {i}")
        issued.append((await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate)
        c.clock.advance(minutes=1)
    _, theirs = await c.enrollment(owner, other, title="Theirs")
    await c.generate(actor=other, enrollment_id=theirs)
    page = await c.mine(actor=learner, page=PageRequest(page=1, page_size=2))
    assert ([x.id for x in page.items], page.total, page.pages) == ([issued[2].id, issued[1].id], 3, 2)
    page = await c.mine(actor=learner, page=PageRequest(page=2, page_size=2))
    assert [x.id for x in page.items] == [issued[0].id]
    assert len({x.certificate_number for x in issued}) == 3


async def test_losing_the_enrollment_race_returns_the_winner_and_removes_its_pdf() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    winner = taken("CERT-2026-999999", learner.user_id)
    winner.enrollment_id = enrollment_id

    async def concurrent_issue(_: CertificateView) -> None:
        c.state.certificates[winner.id] = winner

    c.renderer.during = concurrent_issue
    result = await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert (result.created, result.certificate) == (False, winner)
    assert c.blobs.blobs == {}  # the loser's PDF is gone
    assert list(c.state.certificates) == [winner.id]


async def test_a_number_taken_meanwhile_means_another_number_and_pdf() -> None:
    c = Credentials(random=ScriptedRandom([111_111, 222_222]))
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    year = c.clock.now().year

    async def concurrent_issue(view: CertificateView) -> None:
        other = taken(view.certificate_number, learner.user_id)
        c.state.certificates[other.id] = other

    c.renderer.during = concurrent_issue
    result = await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert result.created and result.certificate.certificate_number == f"CERT-{year}-222222"
    assert [v.certificate_number for v in c.renderer.views] == [f"CERT-{year}-111111", f"CERT-{year}-222222"]
    key = result.certificate.pdf_key
    assert key is not None and list(c.blobs.blobs) == [key]
    assert c.blobs.blobs[key][0].endswith(b"222222")


async def test_no_free_number_after_the_attempts_is_503_and_leaves_nothing() -> None:
    c = Credentials(random=ScriptedRandom([5]), policy=CertificatePolicy(number_attempts=4))
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    blocker = taken(format_number(c.clock.now().year, 5), learner.user_id)
    c.state.certificates[blocker.id] = blocker
    with pytest.raises(Unavailable):
        await c.generate(actor=learner, enrollment_id=enrollment_id)
    assert (list(c.state.certificates), c.blobs.blobs, c.renderer.views) == ([blocker.id], {}, [])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    draws=st.lists(st.integers(min_value=0, max_value=999_999), min_size=1, max_size=12),
    taken_share=st.floats(min_value=0, max_value=1),
)
async def test_numbers_have_the_format_and_skip_taken_ones(draws: list[int], taken_share: float) -> None:
    """Whatever the random draws and the numbers already taken, the issued number is the
    first free draw, in the CERT-<year>-<6 digits> form; none free: 503."""
    c = Credentials(random=ScriptedRandom(draws), policy=CertificatePolicy(number_attempts=len(draws)))
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    _, enrollment_id = await c.enrollment(owner, learner)
    year = c.clock.now().year
    blocked = {format_number(year, d) for d in draws[: int(len(draws) * taken_share)]}
    for number in blocked:
        cert = taken(number, learner.user_id)
        c.state.certificates[cert.id] = cert
    free = [format_number(year, d) for d in draws if format_number(year, d) not in blocked]
    if not free:
        with pytest.raises(Unavailable):
            await c.generate(actor=learner, enrollment_id=enrollment_id)
        return
    number = (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate.certificate_number
    assert number == free[0] and NUMBER.fullmatch(number) and is_certificate_number(number)
    assert len({x.certificate_number for x in c.state.certificates.values()}) == len(c.state.certificates)


@given(year=st.integers(min_value=1000, max_value=9999), serial=st.integers(min_value=0, max_value=999_999))
def test_format_number_round_trips(year: int, serial: int) -> None:
    number = format_number(year, serial)
    assert is_certificate_number(number)
    assert (int(number[5:9]), int(number[10:])) == (year, serial)


def test_format_number_refuses_out_of_range_parts() -> None:
    for year, serial in ((2026, 1_000_000), (2026, -1), (99, 1), (10_000, 1)):
        with pytest.raises(ValueError):
            format_number(year, serial)


def test_verification_url_is_the_given_address_and_the_number() -> None:
    policy = CertificatePolicy(verification_base="https://lms.example.com/base/api/v1/certificates/verify/")
    assert (
        policy.verification_url("CERT-2026-000001")
        == "https://lms.example.com/base/api/v1/certificates/verify/CERT-2026-000001"
    )
