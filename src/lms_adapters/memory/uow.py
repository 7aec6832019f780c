"""Every repository over plain dicts, with copy-in/copy-out and commit/rollback."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

from lms_adapters.memory.assessment import (
    MemoryAttemptRepository,
    MemoryCourseDirectory,
    MemoryQuestionBankRepository,
    MemoryQuizRepository,
)
from lms_adapters.memory.audit import MemoryAuditLog, MemoryAuditReader
from lms_adapters.memory.catalog import (
    MemoryCourseRepository,
    MemoryCourseStaffRepository,
    MemoryLessonRepository,
    MemoryQuizPlacements,
)
from lms_adapters.memory.credentials import MemoryCertificateRepository, MemoryCertificateSources
from lms_adapters.memory.erasure import MemoryBlobDeletions, MemoryErasureStore
from lms_adapters.memory.files import MemoryStoredFileRepository
from lms_adapters.memory.gradebook import MemoryGradebookReader
from lms_adapters.memory.integrations import (
    MemoryDeliveryRepository,
    MemoryEventLog,
    MemoryWebhookRepository,
)
from lms_adapters.memory.learning import (
    MemoryCompletionRepository,
    MemoryEnrollmentRepository,
    MemoryLearnerProgress,
)
from lms_adapters.memory.mail_store import MemoryEmailTokenRepository, MemoryMailOutbox
from lms_adapters.memory.personal_data import MemoryPersonalData
from lms_domain.assessment.entities import Attempt, HistoryEntry, Question, QuestionBank, Quiz
from lms_domain.catalog.entities import Course, Lesson
from lms_domain.credentials.entities import Certificate
from lms_domain.files.entities import StoredFile
from lms_domain.identity.entities import User
from lms_domain.identity.ports import EmailTaken
from lms_domain.integrations.entities import Delivery, Webhook
from lms_domain.learning.entities import Enrollment, LessonCompletion
from lms_domain.mail.entities import EmailToken, MailMessage
from lms_domain.shared.actors import Role
from lms_domain.shared.audit import AuditEntry
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.events import Event
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import ReleaseRule

__all__ = ["Committed", "MemoryState", "MemoryUnitOfWork"]

_log = logging.getLogger("lms.events")

# called after a commit with the ids of the deliveries it made, to queue their tries
Committed = Callable[[Sequence[UUID]], Awaitable[None]]


@dataclass
class MemoryState:
    """What the in-memory database holds; share one between units of work.

    One unit of work at a time holds it (``lock``), as SQLite's write lock holds the database:
    a unit that reads, changes and writes back can never lose another unit's change.
    """

    users: dict[UUID, User] = field(default_factory=dict)
    # files
    stored_files: dict[UUID, StoredFile] = field(default_factory=dict)
    # catalog and learning
    courses: dict[UUID, Course] = field(default_factory=dict)
    lessons: dict[UUID, Lesson] = field(default_factory=dict)
    enrollments: dict[UUID, Enrollment] = field(default_factory=dict)
    lesson_completions: dict[tuple[UUID, UUID], LessonCompletion] = field(default_factory=dict)
    # (course id, user id) -> (role, added at)
    course_staff: dict[tuple[UUID, UUID], tuple[StaffRole, datetime]] = field(default_factory=dict)
    # lesson id -> its release rule; course id -> its prerequisites (never empty)
    release_rules: dict[UUID, ReleaseRule] = field(default_factory=dict)
    course_prerequisites: dict[UUID, tuple[UUID, ...]] = field(default_factory=dict)
    # credentials
    certificates: dict[UUID, Certificate] = field(default_factory=dict)
    # assessment
    quizzes: dict[UUID, Quiz] = field(default_factory=dict)
    questions: dict[UUID, Question] = field(default_factory=dict)
    attempts: dict[UUID, Attempt] = field(default_factory=dict)
    question_banks: dict[UUID, QuestionBank] = field(default_factory=dict)
    bank_questions: dict[UUID, Question] = field(default_factory=dict)
    attempt_history: dict[UUID, HistoryEntry] = field(default_factory=dict)
    # events and integrations
    events: dict[UUID, Event] = field(default_factory=dict)
    webhooks: dict[UUID, Webhook] = field(default_factory=dict)
    deliveries: dict[UUID, Delivery] = field(default_factory=dict)
    delivery_claims: dict[UUID, datetime] = field(default_factory=dict)
    # mail: the content of messages not yet sent (by delivery id), and email tokens
    mail_messages: dict[UUID, MailMessage] = field(default_factory=dict)
    email_tokens: dict[UUID, EmailToken] = field(default_factory=dict)
    # the audit log: only ever appended to
    audit_entries: list[AuditEntry] = field(default_factory=list)
    # stored bytes of erased accounts still to delete: key -> (due at, failed tries)
    blob_deletions: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(value) for name, value in vars(self).items() if name != "lock"}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


class MemoryUserRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        # for_update needs nothing more: a memory unit of work holds the whole state (see below)
        user = self._state.users.get(user_id)
        return copy.deepcopy(user) if user and user.erased_at is None else None

    async def get_by_email(self, email: str) -> User | None:
        for user in self._state.users.values():
            if user.email == email.lower() and user.erased_at is None:
                return copy.deepcopy(user)
        return None

    async def lock_active_admins(self, *, and_user: UUID | None = None) -> Sequence[UUID]:
        # a memory unit of work holds the whole state: nothing else changes meanwhile (and_user too)
        admins = self._state.users.values()
        return sorted(u.id for u in admins if u.role is Role.ADMIN and u.is_active and u.erased_at is None)

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._state.users.values()):
            raise EmailTaken(user.email)
        self._state.users[user.id] = copy.deepcopy(user)

    async def update(self, user: User) -> None:
        if user.id in self._state.users:
            self._state.users[user.id] = copy.deepcopy(user)

    async def record_login(self, user_id: UUID, at: datetime) -> User | None:
        user = self._state.users.get(user_id)
        if user is None or user.erased_at is not None:
            return None
        user.last_login_at = at
        return copy.deepcopy(user)

    async def list(
        self, *, page: PageRequest, role: Role | None = None, query: str | None = None
    ) -> tuple[Sequence[User], int]:
        found = [
            u
            for u in self._state.users.values()
            if u.erased_at is None
            and (role is None or u.role is role)
            and (not query or query.lower() in u.email or query.lower() in u.full_name.lower())
        ]
        found.sort(key=lambda u: (u.created_at, u.id))
        return [copy.deepcopy(u) for u in found[page.offset : page.offset + page.page_size]], len(found)


class MemoryUnitOfWork:
    """Changes are made on the shared state and undone unless committed."""

    def __init__(self, state: MemoryState, *, xapi: bool = False, committed: Committed | None = None) -> None:
        self.state = state
        self._snapshot: dict[str, Any] | None = None
        self.commits = 0
        self._xapi, self._committed = xapi, committed
        self._made: list[UUID] = []
        self._to_queue: list[UUID] = []

    @property
    def audit(self) -> MemoryAuditLog:
        return MemoryAuditLog(self.state)

    @property
    def audit_entries(self) -> MemoryAuditReader:
        return MemoryAuditReader(self.state)

    @property
    def personal_data(self) -> MemoryPersonalData:
        return MemoryPersonalData(self.state)

    @property
    def erasure(self) -> MemoryErasureStore:
        return MemoryErasureStore(self.state)

    @property
    def blob_deletions(self) -> MemoryBlobDeletions:
        return MemoryBlobDeletions(self.state)

    # events and integrations
    @property
    def events(self) -> MemoryEventLog:
        return MemoryEventLog(self.state, xapi=self._xapi, made=self._made)

    @property
    def mail(self) -> MemoryMailOutbox:
        return MemoryMailOutbox(self.state, self._made)

    @property
    def email_tokens(self) -> MemoryEmailTokenRepository:
        return MemoryEmailTokenRepository(self.state)

    @property
    def webhooks(self) -> MemoryWebhookRepository:
        return MemoryWebhookRepository(self.state)

    @property
    def deliveries(self) -> MemoryDeliveryRepository:
        return MemoryDeliveryRepository(self.state, made=self._made)

    @property
    def users(self) -> MemoryUserRepository:
        return MemoryUserRepository(self.state)

    # files
    @property
    def files(self) -> MemoryStoredFileRepository:
        return MemoryStoredFileRepository(self.state)

    # catalog and learning
    @property
    def courses(self) -> MemoryCourseRepository:
        return MemoryCourseRepository(self.state)

    @property
    def course_staff(self) -> MemoryCourseStaffRepository:
        return MemoryCourseStaffRepository(self.state)

    @property
    def lessons(self) -> MemoryLessonRepository:
        return MemoryLessonRepository(self.state)

    @property
    def enrollments(self) -> MemoryEnrollmentRepository:
        return MemoryEnrollmentRepository(self.state)

    @property
    def completions(self) -> MemoryCompletionRepository:
        return MemoryCompletionRepository(self.state)

    @property
    def learner_progress(self) -> MemoryLearnerProgress:
        return MemoryLearnerProgress(self.state)

    @property
    def quiz_placements(self) -> MemoryQuizPlacements:
        return MemoryQuizPlacements(self.state)

    # credentials
    @property
    def certificates(self) -> MemoryCertificateRepository:
        return MemoryCertificateRepository(self.state)

    @property
    def certificate_sources(self) -> MemoryCertificateSources:
        return MemoryCertificateSources(self.state)

    # assessment
    @property
    def quizzes(self) -> MemoryQuizRepository:
        return MemoryQuizRepository(self.state)

    @property
    def attempts(self) -> MemoryAttemptRepository:
        return MemoryAttemptRepository(self.state)

    @property
    def course_directory(self) -> MemoryCourseDirectory:
        return MemoryCourseDirectory(self.state)

    @property
    def banks(self) -> MemoryQuestionBankRepository:
        return MemoryQuestionBankRepository(self.state)

    @property
    def gradebook(self) -> MemoryGradebookReader:
        return MemoryGradebookReader(self.state)

    async def __aenter__(self) -> Self:
        await self.state.lock.acquire()
        self._snapshot = self.state.snapshot()
        self._made, self._to_queue = [], []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._snapshot is not None:
                self.state.restore(self._snapshot)
            self._snapshot = None
        finally:
            self.state.lock.release()
        queued, self._to_queue = self._to_queue, []
        if queued and self._committed is not None:  # after the state is free again
            try:
                await self._committed(queued)
            except Exception:  # the change is made; the sweep queues what could not be queued now
                _log.exception("could not queue the tries of %d deliveries", len(queued))

    async def commit(self) -> None:
        self._snapshot = None
        self.commits += 1
        self._to_queue.extend(self._made)
        self._made.clear()


if TYPE_CHECKING:  # mypy checks that the unit of work satisfies the assessment ports
    from lms_domain.assessment.ports import AssessmentUnitOfWork

    def _satisfies_assessment(state: MemoryState) -> AssessmentUnitOfWork:
        return MemoryUnitOfWork(state)
