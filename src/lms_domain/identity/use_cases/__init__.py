"""Identity use cases: registration, sign-in and tokens, MFA, profiles and administration.

``tokens`` and ``passwords`` hold the collaborators the sign-ins share (``TokenIssuer``,
``PasswordCheck``, ``OneTimeCodes``); the container builds them once per use case it builds.
"""

from lms_domain.identity.use_cases.accounts import (
    AdminUpdateUser,
    ChangePassword,
    CreateUser,
    EnsureAdmin,
    GetProfile,
    GetUser,
    ListUsers,
    NewAccounts,
    UpdateProfile,
    refuse_last_admin,
)
from lms_domain.identity.use_cases.email import (
    ConfirmPasswordReset,
    CredentialStores,
    EmailPolicy,
    RequestPasswordReset,
    ResendVerification,
    SendPasswordReset,
    Verifications,
    VerifyEmail,
)
from lms_domain.identity.use_cases.mfa import DisableMfa, EnableMfa, MfaSetup, VerifyMfa
from lms_domain.identity.use_cases.passwords import (
    OneTimeCodes,
    PasswordCheck,
    Reauthentication,
    SignInTry,
)
from lms_domain.identity.use_cases.sessions import AuthenticateCaller, Caller, Logout, settle_caller
from lms_domain.identity.use_cases.sign_in import Login, MfaLogin, RefreshTokens, Register
from lms_domain.identity.use_cases.tokens import AuthPolicy, TokenIssuer, TokenPair

__all__ = [
    "AdminUpdateUser",
    "AuthPolicy",
    "AuthenticateCaller",
    "Caller",
    "ChangePassword",
    "ConfirmPasswordReset",
    "CreateUser",
    "CredentialStores",
    "DisableMfa",
    "EmailPolicy",
    "EnableMfa",
    "EnsureAdmin",
    "GetProfile",
    "GetUser",
    "ListUsers",
    "Login",
    "Logout",
    "MfaLogin",
    "MfaSetup",
    "NewAccounts",
    "OneTimeCodes",
    "PasswordCheck",
    "Reauthentication",
    "RefreshTokens",
    "Register",
    "RequestPasswordReset",
    "ResendVerification",
    "SendPasswordReset",
    "SignInTry",
    "TokenIssuer",
    "TokenPair",
    "UpdateProfile",
    "Verifications",
    "VerifyEmail",
    "VerifyMfa",
    "refuse_last_admin",
    "settle_caller",
]
