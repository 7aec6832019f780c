"""/users: the caller's profile, and user administration."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from lms_domain.identity import use_cases as uc
from lms_domain.privacy.erasure import EraseOwnAccount, EraseUser
from lms_domain.privacy.use_cases import ExportPersonalData
from lms_domain.shared.actors import Actor, Role
from lms_http.auth import caller_state
from lms_http.dto.identity import (
    AdminUserUpdate,
    EraseIn,
    PasswordChangeIn,
    ProfileUpdate,
    UserOut,
    UserPage,
)
from lms_http.dto.privacy import PersonalDataOut, stream_export
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["UserController"]

_EXPORTED = ResponseSpec(
    data_container=PersonalDataOut, description="Everything stored about the user", generate_examples=False
)

Search = Annotated[str | None, QueryParameter(max_length=255, description="Search in e-mail and name")]


class UserController(Controller):
    path, tags = "/users", ["users"]

    @get("/me", responses=errors(401, 429, 503))
    async def me(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        get_profile: NamedDependency[uc.GetProfile],
    ) -> UserOut:
        """The signed-in user's profile."""
        return UserOut.of(await get_profile(actor=actor, caller=caller_state(request)))

    @patch("/me", responses=errors(401, 422, 429, 503))
    async def update_me(
        self,
        data: JSONBody[ProfileUpdate],
        actor: NamedDependency[Actor],
        update_profile: NamedDependency[uc.UpdateProfile],
    ) -> UserOut:
        """Change the signed-in user's own name (other fields are ignored)."""
        return UserOut.of(await update_profile(actor=actor, full_name=data.full_name))

    @post("/me/password", status_code=204, responses=errors(400, 401, 422, 429, 503))
    async def change_password(
        self,
        data: JSONBody[PasswordChangeIn],
        actor: NamedDependency[Actor],
        change_password: NamedDependency[uc.ChangePassword],
    ) -> None:
        """Change the password; every other login of the user is revoked."""
        await change_password(
            actor=actor, current_password=data.current_password, new_password=data.new_password
        )

    @get("/me/export", responses={200: _EXPORTED, **errors(401, 429, 503)})
    async def export_my_data(
        self, actor: NamedDependency[Actor], export_personal_data: NamedDependency[ExportPersonalData]
    ) -> Stream:
        """Everything stored about the signed-in user but their credentials (GDPR Art. 15 and 20)."""
        data = await export_personal_data(actor=actor, user_id=actor.user_id)
        return Stream(stream_export(data), media_type="application/json")

    @get("/{user_id:uuid}/export", responses={200: _EXPORTED, **errors(401, 403, 404, 429, 503)})
    async def export_user_data(
        self,
        user_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        export_personal_data: NamedDependency[ExportPersonalData],
    ) -> Stream:
        """Everything stored about a user but their credentials (admins; others 403)."""
        data = await export_personal_data(actor=actor, user_id=user_id)
        return Stream(stream_export(data), media_type="application/json")

    @post("/me/erase", status_code=204, responses=errors(400, 401, 409, 422, 429, 503))
    async def erase_me(
        self,
        data: JSONBody[EraseIn],
        actor: NamedDependency[Actor],
        erase_own_account: NamedDependency[EraseOwnAccount],
    ) -> None:
        """Erase the signed-in user's account (GDPR Art. 17) with their password, and an MFA code
        when MFA is on (400 when missing or wrong; the session goes on). Signs out everywhere for
        good; name, email and MFA secret go (the email is free again), staff roles and files too;
        enrollments, attempts and certificates stay without a name. 409 for the last active admin
        or the owner of courses."""
        await erase_own_account(actor=actor, password=data.password, mfa_code=data.mfa_code)

    @post("/{user_id:uuid}/erase", status_code=204, responses=errors(400, 401, 403, 404, 409, 429, 503))
    async def erase_user(
        self,
        user_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        erase_user: NamedDependency[EraseUser],
    ) -> None:
        """Erase a user's account (admin), as ``/users/me/erase`` does; one's own id is 400 (use
        ``/users/me/erase``); an unknown or already erased user 404."""
        await erase_user(actor=actor, user_id=user_id)

    @get("/", responses=errors(401, 403, 422, 429, 503))
    async def list_users(
        self,
        actor: NamedDependency[Actor],
        list_users: NamedDependency[uc.ListUsers],
        page: PageNumber = 1,
        page_size: PageSize = 20,
        role: Annotated[Role | None, QueryParameter()] = None,
        q: Search = None,
    ) -> UserPage:
        """List users (admin), optionally by role or matching e-mail or name."""
        return UserPage.of(
            await list_users(actor=actor, page=page_request(page, page_size), role=role, query=q)
        )

    @patch("/{user_id:uuid}", responses=errors(400, 401, 403, 404, 422, 429, 503))
    async def update_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[AdminUserUpdate],
        actor: NamedDependency[Actor],
        admin_update_user: NamedDependency[uc.AdminUpdateUser],
    ) -> UserOut:
        """Change a user's role, active flag or name (admin). Deactivation revokes their tokens."""
        return UserOut.of(
            await admin_update_user(
                actor=actor,
                user_id=user_id,
                role=data.role,
                is_active=data.is_active,
                full_name=data.full_name,
            )
        )
