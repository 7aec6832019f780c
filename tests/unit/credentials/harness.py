"""Certificate use cases on in-memory adapters, with a course finished by a student."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms_adapters.local.badge_signer import Ed25519CredentialSigner
from lms_adapters.memory.files import MemoryBlobStorage
from lms_domain.credentials import use_cases as uc
from lms_domain.credentials.ports import CertificateView
from lms_domain.identity.entities import User
from lms_domain.shared.actors import Actor, Role
from tests.builders import actor
from tests.unit.catalog.harness import Catalog


class ScriptedRandom:
    """Returns the given values in turn, then repeats the last one."""

    def __init__(self, values: Iterable[int]) -> None:
        self._values: Iterator[int] = iter(values)
        self._last = 0

    def randbelow(self, n: int) -> int:
        self._last = next(self._values, self._last)
        assert 0 <= self._last < n
        return self._last


@dataclass
class FakeRenderer:
    """Records what it was asked to print; ``during`` runs mid-render (a concurrent writer)."""

    views: list[CertificateView] = field(default_factory=list)
    during: Callable[[CertificateView], Awaitable[None]] | None = None

    async def render(self, view: CertificateView) -> bytes:
        self.views.append(view)
        if self.during is not None:
            during, self.during = self.during, None
            await during(view)
        return b"%PDF-1.7 " + view.certificate_number.encode()


@dataclass
class Credentials(Catalog):
    blobs: MemoryBlobStorage = field(default_factory=MemoryBlobStorage)
    renderer: FakeRenderer = field(default_factory=FakeRenderer)
    random: ScriptedRandom = field(default_factory=lambda: ScriptedRandom(range(123_456, 1_000_000)))
    badge_random: ScriptedRandom = field(default_factory=lambda: ScriptedRandom(range(7, 131_072, 7)))
    """Places in the status list and salts: a source of their own, so numbers stay as scripted."""
    signer: Ed25519CredentialSigner = field(
        default_factory=lambda: Ed25519CredentialSigner(Ed25519PrivateKey.generate())
    )
    policy: uc.CertificatePolicy = field(
        default_factory=lambda: uc.CertificatePolicy(
            verification_base="https://lms.example.com/api/v1/certificates/verify"
        )
    )

    @property
    def badges(self) -> uc.BadgeIssuer:
        return uc.BadgeIssuer(
            self.signer, self.badge_random, self.policy, name="Example LMS", url="https://lms.example.com"
        )

    @property
    def generate(self) -> uc.GenerateCertificate:
        pdfs = uc.CertificatePdfs(self.renderer, self.blobs, self.policy)
        draws = uc.CertificateDraws(self.random, self.ids, self.policy)
        return uc.GenerateCertificate(self.uow(), pdfs, draws, self.badges, self.clock)

    @property
    def credential(self) -> uc.CertificateCredential:
        return uc.CertificateCredential(self.uow(), self.badges)

    @property
    def public_credential(self) -> uc.PublicCredential:
        return uc.PublicCredential(self.uow(), self.badges)

    @property
    def revoke(self) -> uc.RevokeCertificate:
        return uc.RevokeCertificate(self.uow(), self.clock)

    @property
    def status_list(self) -> uc.StatusListCredential:
        return uc.StatusListCredential(self.uow(), self.badges)

    @property
    def get(self) -> uc.GetCertificate:
        return uc.GetCertificate(self.uow())

    @property
    def download_url(self) -> uc.CertificateDownloadUrl:
        return uc.CertificateDownloadUrl(self.uow(), self.blobs, self.policy)

    @property
    def mine(self) -> uc.MyCertificates:
        return uc.MyCertificates(self.uow())

    @property
    def verify(self) -> uc.VerifyCertificate:
        return uc.VerifyCertificate(self.uow())

    def user(self, role: Role = Role.STUDENT, full_name: str = "Ada Lovelace") -> Actor:
        who = actor(role)
        now = self.clock.now()
        self.state.users[who.user_id] = User(
            id=who.user_id,
            email=f"{who.user_id.hex}@example.com",
            full_name=full_name,
            password_hash="x",
            role=role,
            created_at=now,
            updated_at=now,
        )
        return who

    async def enrollment(
        self, owner: Actor, learner: Actor, *, title: str = "Python Basics", complete: bool = True
    ) -> tuple[UUID, UUID]:
        """(course id, enrollment id), every lesson completed unless ``complete`` is False."""
        course = await self.course(owner, title)
        lessons = [await self.lesson(owner, course.id, f"L{i}") for i in range(2)]
        await self.publish_course(actor=owner, course_id=course.id)
        enrollment = await self.enroll(actor=learner, course_id=course.id)
        for lesson in lessons if complete else lessons[:1]:
            await self.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=lesson.id)
        return course.id, enrollment.id
