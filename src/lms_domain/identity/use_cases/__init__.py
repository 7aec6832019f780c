"""Identity use cases: registration, sign-in and tokens, MFA, profiles and administration.

``tokens`` and ``passwords`` hold the collaborators the sign-ins share (``TokenIssuer``,
``PasswordCheck``, ``OneTimeCodes``); the container builds them once per use case it builds.
"""

from lms_domain.identity.use_cases.accounts import (
    AdminUpdateUser,
    ChangePassword,
    CreateUser,
    EnsureAdmin,
    GetUser,
    ListUsers,
    UpdateProfile,
)
from lms_domain.identity.use_cases.mfa import DisableMfa, EnableMfa, MfaSetup, VerifyMfa
from lms_domain.identity.use_cases.passwords import OneTimeCodes, PasswordCheck, SignInTry
from lms_domain.identity.use_cases.sessions import AuthenticateCaller, Caller, Logout
from lms_domain.identity.use_cases.sign_in import Login, MfaLogin, RefreshTokens, Register
from lms_domain.identity.use_cases.tokens import AuthPolicy, TokenIssuer, TokenPair

__all__ = [
    "AdminUpdateUser",
    "AuthPolicy",
    "AuthenticateCaller",
    "Caller",
    "ChangePassword",
    "CreateUser",
    "DisableMfa",
    "EnableMfa",
    "EnsureAdmin",
    "GetUser",
    "ListUsers",
    "Login",
    "Logout",
    "MfaLogin",
    "MfaSetup",
    "OneTimeCodes",
    "PasswordCheck",
    "RefreshTokens",
    "Register",
    "SignInTry",
    "TokenIssuer",
    "TokenPair",
    "UpdateProfile",
    "VerifyMfa",
]
