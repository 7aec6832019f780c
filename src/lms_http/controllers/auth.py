"""/auth: registration, sign-in, tokens and MFA."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from lms_domain.identity import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.identity import (
    LoginIn,
    MessageOut,
    MfaCodeIn,
    MfaLoginIn,
    MfaSetupOut,
    RefreshIn,
    RegisterIn,
    TokenOut,
)
from lms_http.errors import errors

__all__ = ["AuthController"]


class AuthController(Controller):
    path, tags = "/auth", ["auth"]

    @post("/register", status_code=201, responses=errors(409, 422, 429, 503))
    async def register(self, data: JSONBody[RegisterIn], register: NamedDependency[uc.Register]) -> TokenOut:
        """Register a student account and sign in."""
        return TokenOut.of(await register(email=data.email, password=data.password, full_name=data.full_name))

    @post("/login", status_code=200, responses=errors(401, 403, 422, 423, 429, 503))
    async def login(self, data: JSONBody[LoginIn], login: NamedDependency[uc.Login]) -> TokenOut:
        """Sign in with e-mail and password (403 ``MFA code required`` for MFA users)."""
        return TokenOut.of(await login(email=data.email, password=data.password))

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
        self, data: JSONBody[MfaLoginIn], mfa_login: NamedDependency[uc.MfaLogin]
    ) -> TokenOut:
        """Sign in with e-mail, password and a TOTP code (each code works once)."""
        return TokenOut.of(await mfa_login(email=data.email, password=data.password, mfa_code=data.mfa_code))
