"""/auth: registration, sign-in, tokens, MFA, address verification and password reset."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from lms_domain.identity import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import RequestContext
from lms_http.dto.identity import (
    EmailTokenIn,
    LoginIn,
    MessageOut,
    MfaCodeIn,
    MfaLoginIn,
    MfaSetupOut,
    PasswordResetConfirmIn,
    PasswordResetRequestIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from lms_http.errors import errors

__all__ = ["AuthController"]

RESET_REQUESTED = "If an account has this address, a message to reset its password is on its way"


class AuthController(Controller):
    path, tags = "/auth", ["auth"]

    @post("/register", status_code=201, responses=errors(409, 422, 429, 503))
    async def register(self, data: JSONBody[RegisterIn], register: NamedDependency[uc.Register]) -> TokenOut:
        """Register a student account and sign in."""
        return TokenOut.of(await register(email=data.email, password=data.password, full_name=data.full_name))

    @post("/login", status_code=200, responses=errors(401, 403, 422, 423, 429, 503))
    async def login(
        self,
        data: JSONBody[LoginIn],
        login: NamedDependency[uc.Login],
        request_context: NamedDependency[RequestContext],
    ) -> TokenOut:
        """Sign in with e-mail and password (403 ``MFA code required`` for MFA users)."""
        return TokenOut.of(await login(email=data.email, password=data.password, context=request_context))

    @post("/refresh", status_code=200, responses=errors(401, 422, 429, 503))
    async def refresh(
        self, data: JSONBody[RefreshIn], refresh_tokens: NamedDependency[uc.RefreshTokens]
    ) -> TokenOut:
        """Exchange a refresh token for a new pair; the old refresh token stops working."""
        return TokenOut.of(await refresh_tokens(refresh_token=data.refresh_token))

    @post("/logout", status_code=204, responses=errors(401, 429, 503))
    async def logout(self, actor: NamedDependency[Actor], logout: NamedDependency[uc.Logout]) -> None:
        """Revoke this login: the access token and its refresh token."""
        await logout(actor=actor)

    @post("/mfa/enable", status_code=200, responses=errors(401, 409, 429, 503))
    async def enable_mfa(
        self, actor: NamedDependency[Actor], enable_mfa: NamedDependency[uc.EnableMfa]
    ) -> MfaSetupOut:
        """Start MFA set-up: a new TOTP secret, active once verified."""
        return MfaSetupOut.of(await enable_mfa(actor=actor))

    @post("/mfa/verify", status_code=200, responses=errors(400, 401, 409, 422, 429, 503))
    async def verify_mfa(
        self,
        data: JSONBody[MfaCodeIn],
        actor: NamedDependency[Actor],
        verify_mfa: NamedDependency[uc.VerifyMfa],
    ) -> MessageOut:
        """Turn MFA on with a code from the authenticator app."""
        await verify_mfa(actor=actor, code=data.code)
        return MessageOut(message="MFA enabled successfully")

    @post("/mfa/disable", status_code=204, responses=errors(400, 401, 422, 429, 503))
    async def disable_mfa(
        self,
        data: JSONBody[MfaCodeIn],
        actor: NamedDependency[Actor],
        disable_mfa: NamedDependency[uc.DisableMfa],
    ) -> None:
        """Turn MFA off (needs a current code)."""
        await disable_mfa(actor=actor, code=data.code)

    @post("/mfa/login", status_code=200, responses=errors(401, 422, 423, 429, 503))
    async def mfa_login(
        self,
        data: JSONBody[MfaLoginIn],
        mfa_login: NamedDependency[uc.MfaLogin],
        request_context: NamedDependency[RequestContext],
    ) -> TokenOut:
        """Sign in with e-mail, password and a TOTP code (each code works once)."""
        signed_in = await mfa_login(
            email=data.email, password=data.password, mfa_code=data.mfa_code, context=request_context
        )
        return TokenOut.of(signed_in)

    @post("/verify-email", status_code=200, responses=errors(400, 422, 429, 503))
    async def verify_email(
        self, data: JSONBody[EmailTokenIn], verify_email: NamedDependency[uc.VerifyEmail]
    ) -> UserOut:
        """Prove the address with the token from the verification message (no sign-in needed);
        answers the user as ``GET /users/me`` shows it. An unknown, used or expired token is 400."""
        return UserOut.of(await verify_email(token=data.token))

    @post("/verify-email/resend", status_code=202, responses=errors(401, 409, 429, 503))
    async def resend_verification(
        self, actor: NamedDependency[Actor], resend_verification: NamedDependency[uc.ResendVerification]
    ) -> MessageOut:
        """Send a new verification message; the older link stops working (409 when verified)."""
        await resend_verification(actor=actor)
        return MessageOut(message="A verification message is on its way")

    @post("/password-reset/request", status_code=202, responses=errors(422, 429, 503))
    async def request_password_reset(
        self,
        data: JSONBody[PasswordResetRequestIn],
        request_password_reset: NamedDependency[uc.RequestPasswordReset],
    ) -> MessageOut:
        """Ask for a reset message. The answer is the same for every well-formed address, whether
        or not an account has it."""
        await request_password_reset(email=data.email)
        return MessageOut(message=RESET_REQUESTED)

    @post("/password-reset/confirm", status_code=204, responses=errors(400, 422, 429, 503))
    async def confirm_password_reset(
        self,
        data: JSONBody[PasswordResetConfirmIn],
        confirm_password_reset: NamedDependency[uc.ConfirmPasswordReset],
        request_context: NamedDependency[RequestContext],
    ) -> None:
        """Set a new password with the token from the reset message: every session ends, the
        lockout is cleared, MFA stays on. A bad token is 400 (before the password is checked)."""
        await confirm_password_reset(
            token=data.token, new_password=data.new_password, context=request_context
        )
