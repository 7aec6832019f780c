"""Every adapter has the shape of the ports it implements.

mypy checks the adapters the code passes where a port is expected; this test checks every
adapter class of ``lms_adapters`` (and the platform's classes that implement domain ports)
against its Protocols at run time, whether or not some code path hands it over today: each
member the port declares exists, is ``async`` exactly when the port's is, and accepts the
port's arguments by the same names and kinds; a unit of work's repositories are checked against
the repository ports the same way. A new adapter class must be listed here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from typing import Any

import pytest

import lms_adapters
from lms_adapters.jobs.engine import ProcrastinateJobs
from lms_adapters.local.badge_signer import Ed25519CredentialSigner
from lms_adapters.local.blobs import LocalBlobStorage
from lms_adapters.local.counters import InProcessLoginThrottle, InProcessRateLimiter
from lms_adapters.local.passwords import Argon2PasswordHasher
from lms_adapters.local.randomness import SystemRandomSource
from lms_adapters.local.stamps import InProcessStamps
from lms_adapters.local.system import RandomIds, SystemClock, TimeOrderedIds
from lms_adapters.local.tokens import JwtTokenCodec
from lms_adapters.local.totp import PyotpTotpService
from lms_adapters.mail.files import FileMailer
from lms_adapters.mail.smtp import SmtpMailer
from lms_adapters.memory.analytics import MemoryAnalyticsQueries
from lms_adapters.memory.files import MemoryBlobStorage
from lms_adapters.memory.idempotency import MemoryIdempotencyStore
from lms_adapters.memory.integrations import MemoryActivityNames
from lms_adapters.memory.mail import MemoryMailer
from lms_adapters.memory.sessions import MemorySessionStore
from lms_adapters.memory.uow import MemoryUnitOfWork
from lms_adapters.minio.blobs import MinioBlobStorage
from lms_adapters.outbound.check import PublicAddressCheck
from lms_adapters.outbound.sender import HttpSender
from lms_adapters.pdf.certificates import Fpdf2CertificateRenderer
from lms_adapters.redis.counters import RedisLoginThrottle, RedisRateLimiter
from lms_adapters.redis.idempotency import RedisIdempotencyStore
from lms_adapters.redis.probe import RedisProbe
from lms_adapters.redis.sessions import RedisSessionStore
from lms_adapters.redis.stamps import RedisStamps
from lms_adapters.sql.analytics import SqlAnalyticsQueries
from lms_adapters.sql.idempotency import SqlIdempotencyStore
from lms_adapters.sql.probe import SqlProbe
from lms_adapters.sql.repositories.integrations import SqlActivityNames
from lms_adapters.sql.sessions import SqlSessionStore
from lms_adapters.sql.uow import SqlReadUnitOfWork, SqlUnitOfWork
from lms_domain.analytics.ports import AnalyticsQueries
from lms_domain.assessment.gradebook import GradebookUnit
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork, RulesStamp
from lms_domain.audit.use_cases import AuditLogReader
from lms_domain.catalog.ports import (
    CatalogCopies,
    CatalogReader,
    CatalogShelf,
    CatalogStamp,
    CatalogUnitOfWork,
)
from lms_domain.credentials.ports import (
    CertificateRenderer,
    CredentialSigner,
    CredentialsReader,
    CredentialsUnitOfWork,
    RandomSource,
)
from lms_domain.files.ports import BlobStorage, FilesReader, FilesUnitOfWork, SignedBlobServer
from lms_domain.identity.ports import (
    IdentityReader,
    IdentityUnitOfWork,
    LoginThrottle,
    PasswordHasher,
    SessionStore,
    TokenCodec,
    TotpService,
)
from lms_domain.integrations.ports import (
    ActivityNames,
    AddressCheck,
    DeliveryJobs,
    IntegrationsReader,
    IntegrationsUnitOfWork,
    Sender,
)
from lms_domain.learning.ports import LearningReader, LearningUnitOfWork
from lms_domain.mail.ports import Mailer, PasswordResetJobs
from lms_domain.privacy.ports import BlobPurgeJobs, ErasureUnitOfWork, PrivacyUnitOfWork
from lms_domain.shared.ports import Clock, IdGenerator
from lms_http.catalog_copies import StampedCatalogCopies, _Shelf
from lms_http.middleware import SessionReadingLimiter
from lms_platform.idempotency import IdempotencyStore
from lms_platform.rate_limits import RateLimiter
from lms_platform.readiness import Probe
from lms_platform.stamps import StampRenewal, Stamps

UNITS_OF_WORK = (
    IdentityUnitOfWork,
    CatalogUnitOfWork,
    LearningUnitOfWork,
    AssessmentUnitOfWork,
    CredentialsUnitOfWork,
    FilesUnitOfWork,
    IntegrationsUnitOfWork,
    PrivacyUnitOfWork,
    ErasureUnitOfWork,
)
READERS = (
    IdentityReader,
    CatalogReader,
    LearningReader,
    AssessmentReader,
    CredentialsReader,
    FilesReader,
    IntegrationsReader,
    AuditLogReader,
    GradebookUnit,
)

ADAPTERS: dict[type, tuple[type, ...]] = {
    # sql: repositories are reached (and checked) through the units of work
    SqlUnitOfWork: UNITS_OF_WORK,
    SqlReadUnitOfWork: READERS,
    SqlSessionStore: (SessionStore,),
    SqlIdempotencyStore: (IdempotencyStore,),
    SqlAnalyticsQueries: (AnalyticsQueries,),
    SqlProbe: (Probe,),
    # memory: the fakes
    MemoryUnitOfWork: (*UNITS_OF_WORK, AuditLogReader, GradebookUnit),
    MemorySessionStore: (SessionStore,),
    MemoryIdempotencyStore: (IdempotencyStore,),
    MemoryAnalyticsQueries: (AnalyticsQueries,),
    MemoryBlobStorage: (BlobStorage,),
    # redis
    RedisSessionStore: (SessionStore,),
    RedisLoginThrottle: (LoginThrottle,),
    RedisRateLimiter: (RateLimiter, SessionReadingLimiter),
    RedisIdempotencyStore: (IdempotencyStore,),
    RedisStamps: (Stamps,),
    RedisProbe: (Probe,),
    # local: in-process, no service
    LocalBlobStorage: (BlobStorage, SignedBlobServer),
    InProcessLoginThrottle: (LoginThrottle,),
    InProcessRateLimiter: (RateLimiter,),
    InProcessStamps: (Stamps,),
    Argon2PasswordHasher: (PasswordHasher,),
    SystemRandomSource: (RandomSource,),
    SystemClock: (Clock,),
    TimeOrderedIds: (IdGenerator,),
    RandomIds: (IdGenerator,),
    JwtTokenCodec: (TokenCodec,),
    Ed25519CredentialSigner: (CredentialSigner,),
    PyotpTotpService: (TotpService,),
    # minio, pdf, outbound
    MinioBlobStorage: (BlobStorage,),
    HttpSender: (Sender,),
    PublicAddressCheck: (AddressCheck,),
    # jobs, and the titles xAPI statements name
    ProcrastinateJobs: (DeliveryJobs, PasswordResetJobs, BlobPurgeJobs),
    # mail
    SmtpMailer: (Mailer,),
    FileMailer: (Mailer,),
    MemoryMailer: (Mailer,),
    SqlActivityNames: (ActivityNames,),
    MemoryActivityNames: (ActivityNames,),
    Fpdf2CertificateRenderer: (CertificateRenderer,),
    # the platform's class that implements a domain port
    StampRenewal: (CatalogStamp, RulesStamp),
    # the HTTP layer's copies of the catalog (kept per worker, checked against the stamp)
    StampedCatalogCopies: (CatalogCopies,),
    _Shelf: (CatalogShelf,),
}

# Classes of lms_adapters that are no adapter of a port (repositories are checked through their
# units of work; the rest are the adapters' own support classes and the seed's data).
NOT_ADAPTERS = {
    "JobEngine",
    "JobHandlers",
    "MemoryState",
    "Outbox",
    "Progress",
    "RedisBusy",
    "Scale",
    "Section",
    "SmtpSettings",
    "SeedReport",
    "Unresolvable",
    "UtcDateTime",
    "_ChunkReader",
    "_Entry",
    "_GuardedBackend",
    "_Refused",
    "_Session",
    "_Transport",
    "_WaitingPool",
}
_SPECIAL = {"__aenter__", "__aexit__", "__call__"}


def _protocol_members(protocol: type) -> dict[str, Any]:
    """What a Protocol (and the Protocols it extends) declares, the most derived first."""
    members: dict[str, Any] = {}
    for base in protocol.__mro__:
        if base in (typing.Protocol, typing.Generic, object) or not getattr(base, "_is_protocol", False):
            continue
        for name, value in vars(base).items():
            if (not name.startswith("_") or name in _SPECIAL) and name not in members:
                members[name] = value
    return members


def _problems_with_call(name: str, port: Callable[..., Any], adapter: Callable[..., Any]) -> list[str]:
    problems = []
    if inspect.iscoroutinefunction(port) != inspect.iscoroutinefunction(adapter):
        problems.append(f"{name}: async in one and not in the other")
    wanted = list(inspect.signature(port).parameters.values())[1:]
    offered = {p.name: p for p in list(inspect.signature(adapter).parameters.values())[1:]}
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in offered.values()):
        return problems  # takes anything
    positional = [p.name for p in offered.values() if p.kind is not p.KEYWORD_ONLY]
    for index, parameter in enumerate(wanted):
        there = offered.get(parameter.name)
        if there is None:
            problems.append(f"{name}: no parameter {parameter.name!r}")
        elif parameter.kind is not parameter.KEYWORD_ONLY and positional[index : index + 1] != [
            parameter.name
        ]:
            problems.append(f"{name}: {parameter.name!r} is not positional at {index}")
        elif parameter.default is not parameter.empty and there.default is there.empty:
            problems.append(f"{name}: {parameter.name!r} has no default")
    extra = [p.name for n, p in offered.items() if n not in {w.name for w in wanted} and p.default is p.empty]
    if extra:
        problems.append(f"{name}: needs more than the port gives ({', '.join(extra)})")
    return problems


def mismatches(adapter: type, port: type) -> list[str]:
    problems = []
    for name, member in _protocol_members(port).items():
        found = inspect.getattr_static(adapter, name, None)
        if found is None and name not in getattr(adapter, "__dataclass_fields__", {}):
            problems.append(f"{name}: missing")
        elif isinstance(member, property):
            problems.extend(_problems_with_property(adapter, name, member, found))
        elif callable(member) and callable(found):
            problems.extend(_problems_with_call(name, member, found))
    return [f"{adapter.__name__} as {port.__name__}: {p}" for p in problems]


def _problems_with_property(adapter: type, name: str, member: property, found: object) -> list[str]:
    """A unit of work's repository: the adapter's is checked against the port's."""
    if not isinstance(found, property) or found.fget is None or member.fget is None:
        return [f"{name}: not a property"]
    port_type = typing.get_type_hints(member.fget)["return"]
    adapter_type = typing.get_type_hints(found.fget)["return"]
    return mismatches(adapter_type, port_type)


@pytest.mark.parametrize("adapter", list(ADAPTERS), ids=lambda cls: cls.__name__)
def test_an_adapter_has_the_shape_of_its_ports(adapter: type) -> None:
    problems = [p for port in ADAPTERS[adapter] for p in mismatches(adapter, port)]
    assert problems == []


def test_every_adapter_class_is_checked() -> None:
    repositories = set()
    for adapter, ports in ADAPTERS.items():
        for port in ports:
            for name, member in _protocol_members(port).items():
                if isinstance(member, property):
                    found = inspect.getattr_static(adapter, name)
                    repositories.add(typing.get_type_hints(found.fget)["return"])
    defined = set()
    for module in pkgutil.walk_packages(lms_adapters.__path__, "lms_adapters."):
        if ".migrations" in module.name:  # Alembic's scripts run only under Alembic
            continue
        loaded = importlib.import_module(module.name)
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if cls.__module__ == loaded.__name__:
                defined.add(cls)
    unchecked = {
        cls.__name__ for cls in defined - set(ADAPTERS) - repositories if cls.__name__ not in NOT_ADAPTERS
    }
    assert unchecked == set()


def test_the_check_sees_a_missing_member_and_a_wrong_signature() -> None:
    class Half:
        async def current(self, name: str) -> str | None:
            return None

    class Sync:
        def current(self, name: str) -> str | None:
            return None

        async def renew(self, stamp: str) -> bool:
            return True

    assert mismatches(Half, Stamps) == ["Half as Stamps: renew: missing"]
    assert mismatches(Sync, Stamps) == [
        "Sync as Stamps: current: async in one and not in the other",
        "Sync as Stamps: renew: no parameter 'name'",
        "Sync as Stamps: renew: needs more than the port gives (stamp)",
    ]
