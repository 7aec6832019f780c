"""Erasing an account on the in-memory adapters: what goes, what stays, who may, and the stored
bytes deleted after the commit with retries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pyotp
import pytest

from lms_adapters.local.totp import PyotpTotpService
from lms_adapters.memory.sessions import MemorySessionStore
from lms_domain.files.entities import StoredFile
from lms_domain.identity import use_cases as identity
from lms_domain.identity.entities import CallerState
from lms_domain.privacy.erasure import EraseOwnAccount, EraseUser, PurgeBlobs, purge_delay
from lms_domain.privacy.use_cases import ExportPersonalData
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.audit import AuditAction
from lms_domain.shared.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Unauthorized,
    Unavailable,
)
from lms_domain.shared.events import EventType
from tests.builders import PlainHasher
from tests.unit.credentials.harness import Credentials

PASSWORD = "Correct-Horse-9"


@dataclass
class RecordingPurges:
    requests: int = 0
    unavailable: bool = False

    async def purge_blobs(self) -> None:
        self.requests += 1
        if self.unavailable:
            raise Unavailable("The job queue is not available")


@dataclass
class FailingBlobs:
    """Deletes through ``inner`` unless the key is in ``failing``."""

    inner: object
    failing: set[str] = field(default_factory=set)

    async def delete(self, key: str) -> None:
        if key in self.failing:
            raise OSError("the storage is away")
        await self.inner.delete(key)  # type: ignore[attr-defined]


@dataclass
class Erasure(Credentials):
    sessions: MemorySessionStore = field(default_factory=MemorySessionStore)
    purges: RecordingPurges = field(default_factory=RecordingPurges)
    totp: PyotpTotpService = field(default_factory=PyotpTotpService)

    @property
    def erase_me(self) -> EraseOwnAccount:
        codes = identity.OneTimeCodes(self.totp, self.sessions, self.clock)
        again = identity.Reauthentication(PlainHasher(), codes)
        return EraseOwnAccount(self.uow(), again, self.sessions, self.purges, self.clock)

    @property
    def erase(self) -> EraseUser:
        return EraseUser(self.uow(), self.sessions, self.purges, self.clock)

    def person(self, role: Role = Role.STUDENT) -> Actor:
        who = self.user(role, full_name="Ada Lovelace")
        self.state.users[who.user_id].password_hash = "plain$" + PASSWORD
        return who

    def file_of(self, owner: Actor, name: str) -> str:
        key = f"{name}-{uuid.uuid4().hex}"
        self.blobs.blobs[key] = (b"bytes", "text/plain")
        file_id = uuid.uuid4()
        self.state.stored_files[file_id] = StoredFile(
            id=file_id,
            owner_id=owner.user_id,
            original_filename=f"{name}.txt",
            stored_filename=key,
            content_type="text/plain",
            file_size=5,
            uploaded_at=self.clock.now(),
        )
        return key


async def certified(e: Erasure) -> tuple[Actor, uuid.UUID]:
    """A student with a course finished and its certificate issued."""
    owner, student = e.person(Role.INSTRUCTOR), e.person()
    _, enrollment_id = await e.enrollment(owner, student)
    issued = await e.generate(actor=student, enrollment_id=enrollment_id)
    return student, issued.certificate.id


async def test_erasing_ones_own_account_removes_what_names_the_person_and_keeps_the_rest() -> None:
    e = Erasure()
    student, certificate_id = await certified(e)
    key = e.file_of(student, "notes")
    pdf_key = e.state.certificates[certificate_id].pdf_key
    await e.erase_me(actor=student, password=PASSWORD, mfa_code=None)

    user = e.state.users[student.user_id]  # the row stays for what points at it
    assert (user.email, user.full_name, user.password_hash) == (f"erased:{user.id}", "", "")
    assert (user.is_active, user.mfa_secret, user.erased_at) == (False, None, e.clock.now())
    certificate = e.state.certificates[certificate_id]
    assert (certificate.student_name, certificate.pdf_key) == (None, None)
    assert certificate.certificate_number  # still verifiable by its number
    assert not [f for f in e.state.stored_files.values() if f.owner_id == student.user_id]
    assert set(e.state.blob_deletions) == {key, pdf_key}
    assert [en.student_id for en in e.state.enrollments.values()] == [student.user_id]
    assert e.purges.requests == 1
    [entry] = [a for a in e.state.audit_entries if a.action is AuditAction.ERASED]
    assert (entry.actor_id, entry.target_id) == (student.user_id, student.user_id)
    erased = [ev for ev in e.state.events.values() if ev.type is EventType.USER_ERASED]
    assert [ev.data for ev in erased] == [{"user_id": str(student.user_id)}]

    # the bytes go after the commit
    assert await PurgeBlobs(e.uow(), e.blobs, e.clock)() == 2
    assert key not in e.blobs.blobs and pdf_key not in e.blobs.blobs
    assert e.state.blob_deletions == {}

    # no user any more: not found, not exportable, not listed, not erasable again
    admin = e.person(Role.ADMIN)
    with pytest.raises(NotFound):
        await ExportPersonalData(e.uow(), e.clock)(actor=admin, user_id=student.user_id)
    with pytest.raises(NotFound):
        await e.erase(actor=admin, user_id=student.user_id)
    async with e.uow() as uow:
        assert await uow.users.get_by_email(f"erased:{student.user_id}") is None


async def test_a_wrong_or_missing_password_or_code_is_400_and_changes_nothing() -> None:
    e = Erasure()
    student = e.person()
    user = e.state.users[student.user_id]
    user.mfa_secret, user.mfa_enabled = e.totp.new_secret(), True
    for password, code, detail in [
        (None, None, "The password is required"),
        ("", None, "The password is required"),
        ("wrong", None, "Password is incorrect"),
        (PASSWORD, None, "An MFA code is required"),
        (PASSWORD, "000000", "Invalid or already used MFA code"),
    ]:
        with pytest.raises(InvalidRequest, match=detail):
            await e.erase_me(actor=student, password=password, mfa_code=code)
    assert e.state.users[student.user_id].erased_at is None
    assert user.mfa_secret is not None
    code = pyotp.TOTP(user.mfa_secret).at(e.clock.now())
    await e.erase_me(actor=student, password=PASSWORD, mfa_code=code)
    assert e.state.users[student.user_id].erased_at is not None


async def test_who_may_erase_whom() -> None:
    e = Erasure()
    admin, student, other = e.person(Role.ADMIN), e.person(), e.person()
    with pytest.raises(InvalidRequest, match="use /users/me/erase"):
        await e.erase(actor=student, user_id=student.user_id)  # own id: 400 before the role
    with pytest.raises(InvalidRequest, match="use /users/me/erase"):
        await e.erase(actor=admin, user_id=admin.user_id)
    with pytest.raises(Forbidden):
        await e.erase(actor=student, user_id=other.user_id)
    with pytest.raises(NotFound):
        await e.erase(actor=admin, user_id=uuid.uuid4())
    await e.erase(actor=admin, user_id=other.user_id)
    [entry] = [a for a in e.state.audit_entries if a.action is AuditAction.ERASED]
    assert (entry.actor_id, entry.target_id) == (admin.user_id, other.user_id)
    assert e.purges.requests == 0  # nothing stored: nothing to delete


async def test_owners_of_courses_and_the_last_active_admin_are_409() -> None:
    e = Erasure()
    owner, admin = e.person(Role.INSTRUCTOR), e.person(Role.ADMIN)
    course = await e.course(owner, "Mine")
    with pytest.raises(Conflict, match="owns courses"):
        await e.erase(actor=admin, user_id=owner.user_id)
    await e.delete_course(actor=owner, course_id=course.id)
    await e.erase(actor=admin, user_id=owner.user_id)
    with pytest.raises(Conflict, match="last active admin"):
        await e.erase_me(actor=admin, password=PASSWORD, mfa_code=None)
    second = e.person(Role.ADMIN)
    await e.erase_me(actor=admin, password=PASSWORD, mfa_code=None)  # another is left
    with pytest.raises(Conflict, match="last active admin"):
        await e.erase_me(actor=second, password=PASSWORD, mfa_code=None)


async def test_deactivating_or_demoting_the_last_active_admin_is_409() -> None:
    e = Erasure()
    first, second = e.person(Role.ADMIN), e.person(Role.ADMIN)
    update = identity.AdminUpdateUser(e.uow(), e.sessions, e.clock)
    await update(actor=first, user_id=second.user_id, role=Role.INSTRUCTOR)
    third = e.person(Role.ADMIN)
    await update(actor=third, user_id=first.user_id, is_active=False)
    # third is the last active admin; an inactive admin does not count
    fourth = e.person(Role.ADMIN)
    e.state.users[fourth.user_id].is_active = False
    with pytest.raises(InvalidRequest):  # themself: 400 as before
        await update(actor=third, user_id=third.user_id, is_active=False)
    with pytest.raises(Conflict, match="last active admin cannot be deactivated or demoted"):
        await update(actor=fourth, user_id=third.user_id, role=Role.STUDENT)
    with pytest.raises(Conflict, match="last active admin cannot be deactivated or demoted"):
        await update(actor=fourth, user_id=third.user_id, is_active=False)
    await update(actor=third, user_id=fourth.user_id, is_active=True)  # two again
    await update(actor=fourth, user_id=third.user_id, role=Role.STUDENT)
    assert e.state.users[third.user_id].role is Role.STUDENT


async def test_a_failed_deletion_is_retried_later_with_a_growing_delay() -> None:
    e = Erasure()
    student = e.person()
    good, bad = e.file_of(student, "good"), e.file_of(student, "bad")
    e.purges.unavailable = True  # the queue is away: the answer stands, the sweep does it later
    await e.erase(actor=e.person(Role.ADMIN), user_id=student.user_id)
    blobs = FailingBlobs(e.blobs, failing={bad})
    purge = PurgeBlobs(e.uow(), blobs, e.clock)  # type: ignore[arg-type]
    assert await purge() == 1
    assert set(e.state.blob_deletions) == {bad} and good not in e.blobs.blobs
    due, attempts = e.state.blob_deletions[bad]
    assert (due, attempts) == (e.clock.now() + purge_delay(1), 1)
    assert await purge() == 0  # not due yet: not tried
    e.clock.advance(seconds=30)
    assert await purge() == 0
    assert e.state.blob_deletions[bad] == (e.clock.now() + purge_delay(2), 2)
    blobs.failing.clear()
    e.clock.advance(seconds=60)
    assert await purge() == 1
    assert e.state.blob_deletions == {} and bad not in e.blobs.blobs


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(0, 30), (1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600)]
)
def test_the_retry_delay_doubles_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert purge_delay(attempts).total_seconds() == seconds


async def test_an_erased_or_deactivated_account_creates_no_course() -> None:
    e = Erasure()
    admin, gone, inactive = e.person(Role.ADMIN), e.person(Role.INSTRUCTOR), e.person(Role.INSTRUCTOR)
    await e.erase(actor=admin, user_id=gone.user_id)
    e.state.users[inactive.user_id].is_active = False
    for who in (gone, inactive):  # a request let in just before the change
        with pytest.raises(Unauthorized):
            await e.course(who, "Too late")
    assert e.state.courses == {}


async def signed_in(e: Erasure, who: Actor) -> uuid.UUID:
    """A session of ``who`` with their state kept by the session store (as after a first request)."""
    sid = uuid.uuid4()
    expires = e.clock.now() + timedelta(days=1)
    await e.sessions.open(
        session_id=sid,
        user_id=who.user_id,
        refresh_id=uuid.uuid4(),
        expires_at=expires,
        credentials_version=0,
    )
    await e.sessions.offer_caller(CallerState.of(e.state.users[who.user_id]))
    return sid


async def test_an_erasure_ends_the_kept_state_of_every_session_by_the_next_request() -> None:
    e = Erasure()
    admin, student = e.person(Role.ADMIN), e.person()
    sid = await signed_in(e, student)

    async def lost(user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        raise Unavailable("The session store is not available")

    e.sessions.revoke_user = lost  # type: ignore[method-assign]  # the revocation after the commit fails
    await e.erase(actor=admin, user_id=student.user_id)
    live = await e.sessions.live(sid, user_id=student.user_id)
    assert live is not None  # still open in the store, but its kept state refuses it
    assert live.caller is not None
    assert not live.caller.accepts_session(sid, live.credentials_version)


async def test_an_erasure_the_session_store_cannot_hold_erases_nothing() -> None:
    e = Erasure()
    admin, student = e.person(Role.ADMIN), e.person()
    await signed_in(e, student)

    async def down(user_id: uuid.UUID) -> str:
        raise Unavailable("The session store is not available")

    e.sessions.hold_caller = down  # type: ignore[method-assign]
    with pytest.raises(Unavailable):  # 503: nothing was done
        await e.erase(actor=admin, user_id=student.user_id)
    kept = e.state.users[student.user_id]
    assert kept.erased_at is None
    assert kept.full_name == "Ada Lovelace"
