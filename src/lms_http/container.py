"""The composition root: the one place that chooses adapters and builds use cases."""

from __future__ import annotations

import inspect
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from dependency_injector import containers, providers

from lms_adapters.jobs.engine import JobHandlers, ProcrastinateJobs, make_job_engine
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
from lms_adapters.mail.smtp import SmtpMailer, SmtpSettings
from lms_adapters.outbound.check import PublicAddressCheck
from lms_adapters.outbound.sender import HttpSender
from lms_adapters.pdf.certificates import Fpdf2CertificateRenderer
from lms_adapters.redis.client import make_redis
from lms_adapters.redis.counters import RedisLoginThrottle, RedisRateLimiter
from lms_adapters.redis.idempotency import RedisIdempotencyStore
from lms_adapters.redis.probe import RedisProbe
from lms_adapters.redis.sessions import RedisSessionStore
from lms_adapters.redis.stamps import RedisStamps
from lms_adapters.sql.analytics import SqlAnalyticsQueries
from lms_adapters.sql.engine import make_engine, make_read_engine
from lms_adapters.sql.idempotency import SqlIdempotencyStore
from lms_adapters.sql.probe import DATABASE_DOWN, SqlProbe, pool_counter
from lms_adapters.sql.repositories.integrations import SqlActivityNames
from lms_adapters.sql.sessions import SqlSessionStore
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.analytics import use_cases as analytics
from lms_domain.assessment import use_cases as assessment
from lms_domain.audit.use_cases import ListAuditLog
from lms_domain.catalog import use_cases as catalog
from lms_domain.credentials import use_cases as credentials
from lms_domain.files import use_cases as files
from lms_domain.files.ports import BlobStorage
from lms_domain.identity import use_cases as identity
from lms_domain.integrations import delivery, webhooks
from lms_domain.integrations.signing import new_secret
from lms_domain.learning import use_cases as learning
from lms_domain.mail.templates import MailTemplates
from lms_domain.privacy.erasure import EraseOwnAccount, EraseUser, PurgeBlobs
from lms_domain.privacy.use_cases import ExportPersonalData
from lms_http.catalog_copies import StampedCatalogCopies
from lms_http.names import CATALOG_STAMP, verification_base
from lms_http.settings import Settings
from lms_platform.coalesce import FreshRuns
from lms_platform.readiness import Readiness
from lms_platform.stamps import ReadAheadStamps, StampRenewal

__all__ = ["Container", "is_use_case", "use_cases"]

_log = logging.getLogger("lms.deliveries")


def _state_backend(settings: Settings) -> str:
    return "redis" if settings.redis_url else "local"


def _xapi_target(settings: Settings) -> delivery.XapiTarget | None:
    if settings.xapi_endpoint is None:
        return None
    return delivery.XapiTarget(
        endpoint=settings.xapi_endpoint,
        public_url=settings.public_url,
        username=settings.xapi_username,
        password=settings.xapi_password,
    )


def _queue_tries(jobs: ProcrastinateJobs) -> Callable[[Sequence[UUID]], Awaitable[None]]:
    """What a unit of work calls once committed: a job for each delivery it made."""

    async def queue(delivery_ids: Sequence[UUID]) -> None:
        for delivery_id in delivery_ids:
            await jobs.try_delivery(delivery_id)

    return queue


def _job_handlers(
    try_delivery: Callable[[], delivery.TryDelivery],
    sweep: Callable[[], delivery.SweepDeliveries],
    password_reset: Callable[[], identity.SendPasswordReset],
    purge_blobs: Callable[[], PurgeBlobs],
) -> JobHandlers:
    """What the job engine's tasks run: a fresh use case for each job."""

    async def reset(email: str) -> object:
        return await password_reset()(email=email)

    async def try_one(delivery_id: UUID, force: bool) -> object:
        return await try_delivery()(delivery_id=delivery_id, force=force)

    async def sweep_waiting(everything: bool) -> object:
        queued = await sweep()(everything=everything)
        if queued:
            _log.info("queued %d waiting deliveries", queued)
        return queued

    async def purge() -> object:
        deleted = await purge_blobs()()
        if deleted:
            _log.info("deleted %d stored blobs of erased accounts", deleted)
        return deleted

    return JobHandlers(try_delivery=try_one, sweep=sweep_waiting, password_reset=reset, purge_blobs=purge)


def _mail_transport(settings: Settings) -> str:
    return "smtp" if settings.smtp_url else "files"


def _minio_blobs(settings: Settings) -> BlobStorage:
    """The MinIO (S3) adapter, imported only when files go there: its client and HTTP stack are
    about 6 MB of a worker's memory that a local-disk deployment never needs."""
    from lms_adapters.minio.blobs import MinioBlobStorage, make_minio

    # the settings refuse a MinIO backend without these (ConfigError at start)
    assert settings.minio_endpoint and settings.minio_access_key and settings.minio_secret_key
    client = make_minio(
        settings.minio_endpoint,
        settings.minio_access_key,
        settings.minio_secret_key,
        secure=settings.minio_secure,
        region=settings.minio_region,
    )
    return MinioBlobStorage(client, settings.minio_bucket)


def _smtp_mailer(settings: Settings) -> SmtpMailer:
    assert settings.smtp_url is not None
    return SmtpMailer(SmtpSettings.from_url(settings.smtp_url), sender=settings.mail_from)


def _reader_of(unit: object) -> object:
    """The unit of work for use cases that only read, over the store ``unit`` writes to: an SQL
    unit hands out its reader (autocommit on PostgreSQL); any other unit of work (an embedder's
    adapters, in-memory ones) reads through a unit of its own kind."""
    return unit.reader() if isinstance(unit, SqlUnitOfWork) else unit


def reading_limiter(limiter: object, sessions: object) -> RedisRateLimiter | None:
    """The rate limiter that reads sessions ahead, when it reads them where they are: the same
    Redis keys as the session store in use (not when the store is another, e.g. an embedder's)."""
    if isinstance(limiter, RedisRateLimiter) and isinstance(sessions, RedisSessionStore):
        return limiter if limiter.reads_sessions_of(sessions) else None
    return None


def stamp_reading_limiter(limiter: object, stamps: object) -> RedisRateLimiter | None:
    """The rate limiter that reads the catalog's stamp ahead, when it reads it where it is."""
    inner = stamps.inner if isinstance(stamps, ReadAheadStamps) else stamps
    if isinstance(limiter, RedisRateLimiter) and isinstance(inner, RedisStamps):
        return limiter if limiter.reads_stamps_of(inner) else None
    return None


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    state_backend = providers.Callable(_state_backend, settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(TimeOrderedIds)
    token_ids = providers.Singleton(RandomIds)

    engine = providers.Singleton(
        make_engine, settings.provided.database_url, pool_size=settings.provided.db_pool_size
    )
    read_engine = providers.Singleton(make_read_engine, engine)
    # events: the job engine that makes deliveries' tries (procrastinate: see lms_adapters.jobs)
    job_engine = providers.Singleton(make_job_engine, settings.provided.database_url)
    jobs = providers.Singleton(ProcrastinateJobs, job_engine)
    queue_tries = providers.Singleton(_queue_tries, jobs)
    xapi_target = providers.Callable(_xapi_target, settings)
    uow = providers.Factory(
        SqlUnitOfWork,
        engine=engine,
        read_engine=read_engine,
        xapi=providers.Callable(lambda s: s.xapi_endpoint is not None, settings),
        committed=queue_tries,
    )
    # Use cases that only read are typed with the areas' reader ports (no commit) and get this
    # one: without BEGIN/ROLLBACK on PostgreSQL, and following ``uow`` when an embedder overrides it.
    read_uow = providers.Callable(_reader_of, uow)

    redis = providers.Singleton(
        make_redis, settings.provided.redis_url, pool_size=settings.provided.redis_pool_size
    )
    readiness = providers.Singleton(
        Readiness,
        database=providers.Singleton(SqlProbe, engine),
        redis=providers.Selector(
            state_backend, redis=providers.Singleton(RedisProbe, redis), local=providers.Object(None)
        ),
    )
    pool_counts = providers.Singleton(pool_counter, engine)
    database_down = providers.Object(DATABASE_DOWN)
    local_rate_limiter = providers.Singleton(InProcessRateLimiter)

    sessions = providers.Selector(
        state_backend,
        redis=providers.Singleton(RedisSessionStore, redis),
        local=providers.Singleton(SqlSessionStore, engine),
    )
    login_throttle = providers.Selector(
        state_backend,
        redis=providers.Singleton(RedisLoginThrottle, redis),
        local=providers.Singleton(InProcessLoginThrottle),
    )
    redis_rate_limiter = providers.Singleton(RedisRateLimiter, redis, fallback=local_rate_limiter)
    rate_limiter = providers.Selector(state_backend, redis=redis_rate_limiter, local=local_rate_limiter)
    # the Redis limiter reads the caller's session with its count (one round trip per request)
    session_reading_limiter = providers.Callable(reading_limiter, rate_limiter, sessions)

    # answers once, in each catalog read, the stamp the rate limit's round trip read ahead
    stamps = providers.Singleton(
        ReadAheadStamps,
        providers.Selector(
            state_backend,
            redis=providers.Singleton(RedisStamps, redis),
            local=providers.Singleton(InProcessStamps),
        ),
    )
    stamp_reading_limiter = providers.Callable(stamp_reading_limiter, rate_limiter, stamps)
    catalog_stamp = providers.Singleton(StampRenewal, stamps, CATALOG_STAMP)
    catalog_copies = providers.Singleton(StampedCatalogCopies, stamps)

    idempotency_store = providers.Selector(
        state_backend,
        redis=providers.Singleton(RedisIdempotencyStore, redis),
        local=providers.Singleton(SqlIdempotencyStore, engine),
    )

    hasher = providers.Singleton(
        Argon2PasswordHasher,
        memory_cost=settings.provided.argon2_memory_kib,
        time_cost=settings.provided.argon2_time_cost,
        max_concurrent=settings.provided.max_concurrent_hashes,
    )
    token_codec = providers.Singleton(JwtTokenCodec, settings.provided.secret_key)
    totp = providers.Singleton(PyotpTotpService)
    auth_policy = providers.Singleton(
        identity.AuthPolicy,
        access_token_minutes=settings.provided.access_token_minutes,
        refresh_token_days=settings.provided.refresh_token_days,
        lockout_threshold=settings.provided.lockout_threshold,
        lockout_seconds=providers.Callable(lambda s: s.lockout_minutes * 60, settings),
    )

    # identity: the sign-ins' collaborators, then the use cases
    tokens = providers.Singleton(
        identity.TokenIssuer,
        codec=token_codec,
        sessions=sessions,
        clock=clock,
        ids=token_ids,
        policy=auth_policy,
    )
    passwords = providers.Factory(
        identity.PasswordCheck, uow=read_uow, hasher=hasher, throttle=login_throttle, policy=auth_policy
    )
    one_time_codes = providers.Singleton(identity.OneTimeCodes, totp=totp, sessions=sessions, clock=clock)
    # mail: the messages' templates and where they go (SMTP, or .eml files for the embedded default)
    mail_templates = providers.Singleton(MailTemplates, app_url=settings.provided.app_url)
    mailer = providers.Selector(
        providers.Callable(_mail_transport, settings),
        smtp=providers.Singleton(_smtp_mailer, settings),
        files=providers.Singleton(FileMailer, settings.provided.mail_dir, sender=settings.provided.mail_from),
    )
    new_accounts = providers.Singleton(identity.NewAccounts, hasher=hasher, clock=clock, ids=ids)
    verifications = providers.Singleton(
        identity.Verifications, templates=mail_templates, clock=clock, ids=ids
    )
    register = providers.Factory(
        identity.Register, uow=uow, accounts=new_accounts, tokens=tokens, verifications=verifications
    )
    verify_email = providers.Factory(identity.VerifyEmail, uow=uow, sessions=sessions, clock=clock)
    resend_verification = providers.Factory(identity.ResendVerification, uow=uow, verifications=verifications)
    request_password_reset = providers.Factory(identity.RequestPasswordReset, jobs=jobs)
    send_password_reset = providers.Factory(
        identity.SendPasswordReset, uow=uow, clock=clock, ids=ids, templates=mail_templates
    )
    confirm_password_reset = providers.Factory(
        identity.ConfirmPasswordReset,
        uow=uow,
        hasher=hasher,
        stores=providers.Factory(identity.CredentialStores, throttle=login_throttle, sessions=sessions),
        clock=clock,
        templates=mail_templates,
    )
    login = providers.Factory(identity.Login, uow=uow, passwords=passwords, tokens=tokens, clock=clock)
    mfa_login = providers.Factory(
        identity.MfaLogin, uow=uow, passwords=passwords, tokens=tokens, codes=one_time_codes, clock=clock
    )
    refresh_tokens = providers.Factory(
        identity.RefreshTokens, uow=read_uow, codec=token_codec, sessions=sessions, tokens=tokens
    )
    authenticate_caller = providers.Factory(
        identity.AuthenticateCaller, uow=read_uow, codec=token_codec, sessions=sessions
    )
    logout = providers.Factory(identity.Logout, sessions=sessions)
    get_user = providers.Factory(identity.GetUser, uow=read_uow)
    get_profile = providers.Factory(identity.GetProfile, uow=read_uow)
    update_profile = providers.Factory(identity.UpdateProfile, uow=uow, sessions=sessions, clock=clock)
    change_password = providers.Factory(
        identity.ChangePassword,
        uow=uow,
        hasher=hasher,
        sessions=sessions,
        clock=clock,
        templates=mail_templates,
    )
    enable_mfa = providers.Factory(identity.EnableMfa, uow=uow, totp=totp, clock=clock)
    verify_mfa = providers.Factory(
        identity.VerifyMfa, uow=uow, codes=one_time_codes, sessions=sessions, clock=clock
    )
    disable_mfa = providers.Factory(
        identity.DisableMfa, uow=uow, codes=one_time_codes, sessions=sessions, clock=clock
    )
    list_users = providers.Factory(identity.ListUsers, uow=read_uow)
    admin_update_user = providers.Factory(identity.AdminUpdateUser, uow=uow, sessions=sessions, clock=clock)
    create_user = providers.Factory(identity.CreateUser, uow=uow, accounts=new_accounts)
    ensure_admin = providers.Factory(
        identity.EnsureAdmin, uow=uow, create_user=create_user, sessions=sessions, clock=clock
    )

    # files
    local_blobs = providers.Singleton(
        LocalBlobStorage, settings.provided.storage_dir, settings.provided.secret_key
    )
    blobs = providers.Selector(
        settings.provided.storage_backend,
        local=local_blobs,
        minio=providers.Singleton(_minio_blobs, settings),
    )
    file_policy = providers.Singleton(files.FilePolicy, max_upload_bytes=settings.provided.max_upload_bytes)
    upload_file = providers.Factory(
        files.UploadFile, uow=uow, blobs=blobs, clock=clock, ids=ids, policy=file_policy
    )
    list_files = providers.Factory(files.ListFiles, uow=read_uow)
    get_file = providers.Factory(files.GetFile, uow=read_uow)
    create_download_url = providers.Factory(
        files.CreateDownloadUrl, uow=read_uow, blobs=blobs, policy=file_policy
    )
    delete_file = providers.Factory(files.DeleteFile, uow=uow, blobs=blobs)
    open_signed_blob = providers.Factory(files.OpenSignedBlob, server=local_blobs)
    certificate_renderer = providers.Singleton(Fpdf2CertificateRenderer)
    # catalog
    list_courses = providers.Factory(catalog.ListCourses, uow=read_uow, copies=catalog_copies)
    create_course = providers.Factory(
        catalog.CreateCourse, uow=uow, clock=clock, ids=ids, stamp=catalog_stamp
    )
    get_course = providers.Factory(catalog.GetCourse, uow=read_uow, copies=catalog_copies)
    update_course = providers.Factory(catalog.UpdateCourse, uow=uow, clock=clock, stamp=catalog_stamp)
    publish_course = providers.Factory(catalog.PublishCourse, uow=uow, clock=clock, stamp=catalog_stamp)
    delete_course = providers.Factory(catalog.DeleteCourse, uow=uow, stamp=catalog_stamp, clock=clock)
    list_lessons = providers.Factory(catalog.ListLessons, uow=read_uow)
    create_lesson = providers.Factory(
        catalog.CreateLesson, uow=uow, clock=clock, ids=ids, stamp=catalog_stamp
    )
    get_lesson = providers.Factory(catalog.GetLesson, uow=read_uow)
    update_lesson = providers.Factory(catalog.UpdateLesson, uow=uow, clock=clock, stamp=catalog_stamp)
    delete_lesson = providers.Factory(catalog.DeleteLesson, uow=uow, clock=clock, stamp=catalog_stamp)
    reorder_lessons = providers.Factory(catalog.ReorderLessons, uow=uow, stamp=catalog_stamp)
    list_audit_log = providers.Factory(ListAuditLog, uow=read_uow)
    export_personal_data = providers.Factory(ExportPersonalData, uow=uow, clock=clock)
    reauthentication = providers.Factory(identity.Reauthentication, hasher=hasher, codes=one_time_codes)
    erase_own_account = providers.Factory(
        EraseOwnAccount, uow=uow, reauthentication=reauthentication, sessions=sessions, jobs=jobs, clock=clock
    )
    erase_user = providers.Factory(EraseUser, uow=uow, sessions=sessions, jobs=jobs, clock=clock)
    purge_blobs = providers.Factory(PurgeBlobs, uow=uow, blobs=blobs, clock=clock)
    add_staff = providers.Factory(catalog.AddStaff, uow=uow, clock=clock, stamp=catalog_stamp)
    list_staff = providers.Factory(catalog.ListStaff, uow=read_uow)
    remove_staff = providers.Factory(catalog.RemoveStaff, uow=uow, clock=clock, stamp=catalog_stamp)

    # learning
    enroll = providers.Factory(
        learning.Enroll,
        uow=uow,
        clock=clock,
        ids=ids,
        require_verified_email=settings.provided.require_verified_email,
    )
    list_my_enrollments = providers.Factory(learning.ListMyEnrollments, uow=read_uow)
    get_enrollment = providers.Factory(learning.GetEnrollment, uow=read_uow)
    complete_lesson = providers.Factory(learning.CompleteLesson, uow=uow, clock=clock, ids=ids)

    # credentials
    random_source = providers.Singleton(SystemRandomSource)
    certificate_policy = providers.Singleton(
        credentials.CertificatePolicy,
        verification_base=providers.Callable(verification_base, settings.provided.public_url),
    )
    certificate_pdfs = providers.Singleton(
        credentials.CertificatePdfs, renderer=certificate_renderer, blobs=blobs, policy=certificate_policy
    )
    certificate_draws = providers.Singleton(
        credentials.CertificateDraws, random=random_source, ids=ids, policy=certificate_policy
    )
    badge_signer = providers.Singleton(
        Ed25519CredentialSigner.configured,
        pem=settings.provided.issuer_key,
        path=settings.provided.issuer_key_file,
    )
    badge_issuer = providers.Singleton(
        credentials.BadgeIssuer,
        signer=badge_signer,
        random=random_source,
        policy=certificate_policy,
        name=settings.provided.issuer_name,
        url=settings.provided.public_url,
    )
    generate_certificate = providers.Factory(
        credentials.GenerateCertificate,
        uow=uow,
        pdfs=certificate_pdfs,
        draws=certificate_draws,
        badges=badge_issuer,
        clock=clock,
    )
    certificate_credential = providers.Factory(
        credentials.CertificateCredential, uow=uow, badges=badge_issuer
    )
    public_credential = providers.Factory(credentials.PublicCredential, uow=uow, badges=badge_issuer)
    revoke_certificate = providers.Factory(credentials.RevokeCertificate, uow=uow, clock=clock)
    status_list_credential = providers.Factory(
        credentials.StatusListCredential, uow=read_uow, badges=badge_issuer
    )
    issuer_profile = providers.Factory(credentials.IssuerProfile, badges=badge_issuer)
    get_certificate = providers.Factory(credentials.GetCertificate, uow=read_uow)
    certificate_download_url = providers.Factory(
        credentials.CertificateDownloadUrl, uow=read_uow, blobs=blobs, policy=certificate_policy
    )
    my_certificates = providers.Factory(credentials.MyCertificates, uow=read_uow)
    verify_certificate = providers.Factory(credentials.VerifyCertificate, uow=read_uow)
    # assessment
    shuffle_rng = providers.Singleton(random.SystemRandom)
    list_quizzes = providers.Factory(assessment.ListQuizzes, uow=read_uow)
    create_quiz = providers.Factory(assessment.CreateQuiz, uow=uow, clock=clock, ids=ids)
    get_quiz = providers.Factory(assessment.GetQuiz, uow=read_uow)
    update_quiz = providers.Factory(assessment.UpdateQuiz, uow=uow, clock=clock)
    delete_quiz = providers.Factory(assessment.DeleteQuiz, uow=uow, stamp=catalog_stamp)
    publish_quiz = providers.Factory(assessment.PublishQuiz, uow=uow, clock=clock)
    add_question = providers.Factory(assessment.AddQuestion, uow=uow, clock=clock, ids=ids)
    update_question = providers.Factory(assessment.UpdateQuestion, uow=uow, clock=clock)
    delete_question = providers.Factory(assessment.DeleteQuestion, uow=uow, clock=clock)
    start_attempt = providers.Factory(
        assessment.StartAttempt,
        uow=uow,
        clock=clock,
        ids=ids,
        rng=shuffle_rng,
        require_verified_email=settings.provided.require_verified_email,
    )
    get_attempt = providers.Factory(assessment.GetAttempt, uow=read_uow)
    submit_attempt = providers.Factory(assessment.SubmitAttempt, uow=uow, clock=clock)
    grading_queue = providers.Factory(assessment.GradingQueue, uow=read_uow)
    grade_answer = providers.Factory(assessment.GradeAnswer, uow=uow, clock=clock, ids=ids)
    regrade_question = providers.Factory(assessment.RegradeQuestion, uow=uow, clock=clock, ids=ids)
    attempt_history = providers.Factory(assessment.AttemptHistory, uow=read_uow)
    create_bank = providers.Factory(assessment.CreateBank, uow=uow, clock=clock, ids=ids)
    list_banks = providers.Factory(assessment.ListBanks, uow=read_uow)
    get_bank = providers.Factory(assessment.GetBank, uow=read_uow)
    update_bank = providers.Factory(assessment.UpdateBank, uow=uow, clock=clock)
    delete_bank = providers.Factory(assessment.DeleteBank, uow=uow)
    add_bank_question = providers.Factory(assessment.AddBankQuestion, uow=uow, clock=clock, ids=ids)
    list_bank_questions = providers.Factory(assessment.ListBankQuestions, uow=read_uow)
    update_bank_question = providers.Factory(assessment.UpdateBankQuestion, uow=uow, clock=clock)
    delete_bank_question = providers.Factory(assessment.DeleteBankQuestion, uow=uow, clock=clock)

    # analytics: a read model over many tables, with its own port (one read transaction per call)
    analytics_queries = providers.Factory(SqlAnalyticsQueries, engine=engine)
    get_student_analytics = providers.Factory(analytics.GetStudentAnalytics, queries=analytics_queries)
    get_instructor_analytics = providers.Factory(analytics.GetInstructorAnalytics, queries=analytics_queries)
    get_course_analytics = providers.Factory(analytics.GetCourseAnalytics, queries=analytics_queries)
    get_system_analytics = providers.Factory(
        analytics.GetSystemAnalytics, queries=analytics_queries, clock=clock
    )
    # the gradebook: a read model over enrollments and attempts (a fixed number of statements)
    get_gradebook = providers.Factory(assessment.GetGradebook, uow=read_uow)
    export_gradebook = providers.Factory(assessment.ExportGradebook, uow=read_uow)
    system_reports: providers.Singleton[FreshRuns[Any, Any]] = providers.Singleton(FreshRuns)

    # events: deliveries to webhooks and to the learning record store
    sender = providers.Singleton(
        HttpSender,
        settings.provided.webhook_timeout_seconds,
        allow_private=settings.provided.webhook_allow_private,
    )
    # the learning record store is the operator's own choice of address: no address rule for it
    xapi_sender = providers.Singleton(
        HttpSender, settings.provided.webhook_timeout_seconds, allow_private=True
    )
    delivery_policy = providers.Singleton(
        delivery.DeliveryPolicy,
        schedule=settings.provided.webhook_retry_schedule,
        timeout_seconds=settings.provided.webhook_timeout_seconds,
    )
    activity_names = providers.Singleton(SqlActivityNames, read_engine)
    sinks = providers.Singleton(
        delivery.Sinks,
        sender=sender,
        clock=clock,
        names=activity_names,
        mailer=mailer,
        xapi=xapi_target,
        xapi_sender=xapi_sender,
    )
    try_delivery = providers.Factory(
        delivery.TryDelivery, uow=uow, sinks=sinks, jobs=jobs, clock=clock, policy=delivery_policy
    )
    sweep_deliveries = providers.Factory(delivery.SweepDeliveries, uow=uow, jobs=jobs, clock=clock)
    job_handlers = providers.Singleton(
        _job_handlers,
        try_delivery=try_delivery.provider,
        sweep=sweep_deliveries.provider,
        password_reset=send_password_reset.provider,
        purge_blobs=purge_blobs.provider,
    )

    # webhooks (admin): the address rule, new secrets, and the job engine that makes the tries
    address_check = providers.Singleton(
        PublicAddressCheck, allow_private=settings.provided.webhook_allow_private
    )
    webhook_secret = providers.Object(new_secret)
    create_webhook = providers.Factory(
        webhooks.CreateWebhook, uow=uow, addresses=address_check, clock=clock, ids=ids, secrets=webhook_secret
    )
    list_webhooks = providers.Factory(webhooks.ListWebhooks, uow=read_uow)
    get_webhook = providers.Factory(webhooks.GetWebhook, uow=read_uow)
    update_webhook = providers.Factory(webhooks.UpdateWebhook, uow=uow, addresses=address_check, clock=clock)
    delete_webhook = providers.Factory(webhooks.DeleteWebhook, uow=uow, clock=clock)
    rotate_webhook_secret = providers.Factory(
        webhooks.RotateSecret, uow=uow, clock=clock, secrets=webhook_secret
    )
    send_test_event = providers.Factory(webhooks.SendTestEvent, uow=uow, clock=clock, ids=ids)
    list_deliveries = providers.Factory(webhooks.ListDeliveries, uow=read_uow)
    redeliver = providers.Factory(webhooks.Redeliver, uow=read_uow, jobs=jobs)


def is_use_case(cls: object) -> bool:
    """A use case: a class of ``lms_domain`` with one ``async __call__`` (policies, views and
    collaborators have none)."""
    return (
        isinstance(cls, type)
        and cls.__module__.startswith("lms_domain.")
        and inspect.iscoroutinefunction(vars(cls).get("__call__"))
    )


def use_cases(container: Container) -> dict[str, providers.Factory[Any]]:
    """Every use case the container builds, by provider name (the HTTP layer's dependencies)."""
    return {
        name: provider
        for name, provider in container.providers.items()
        if isinstance(provider, providers.Factory) and is_use_case(provider.cls)
    }
