"""/webhooks: registering receivers of events, their secrets, test events and delivery logs (admin)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from lms_domain.integrations import webhooks as uc
from lms_domain.integrations.entities import DeliveryStatus
from lms_domain.shared.actors import Actor
from lms_http.dto.webhooks import (
    DeliveryOut,
    DeliveryPage,
    TestEventOut,
    WebhookCreate,
    WebhookOut,
    WebhookPage,
    WebhookSecretOut,
    WebhookUpdate,
)
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["WebhookController"]

StatusFilter = Annotated[DeliveryStatus | None, QueryParameter(description="Only deliveries in this status")]


class WebhookController(Controller):
    path, tags = "/webhooks", ["webhooks"]

    @get("/", responses=errors(401, 403, 422, 429, 503))
    async def list_webhooks(
        self,
        actor: NamedDependency[Actor],
        list_webhooks: NamedDependency[uc.ListWebhooks],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> WebhookPage:
        """List the webhooks, newest first (admin). Secrets are not shown."""
        return WebhookPage.of(await list_webhooks(actor=actor, page=page_request(page, page_size)))

    @post("/", status_code=201, responses=errors(401, 403, 422, 429, 503))
    async def create_webhook(
        self,
        data: JSONBody[WebhookCreate],
        actor: NamedDependency[Actor],
        create_webhook: NamedDependency[uc.CreateWebhook],
    ) -> WebhookSecretOut:
        """Register a webhook (admin). The answer is the only one, with rotate-secret's, that shows
        its ``secret``. The URL's host must be public (422 otherwise)."""
        return WebhookSecretOut.of_secret(await create_webhook(actor=actor, data=data.to_domain()))

    @get("/{webhook_id:uuid}", responses=errors(401, 403, 404, 429, 503))
    async def get_webhook(
        self,
        webhook_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_webhook: NamedDependency[uc.GetWebhook],
    ) -> WebhookOut:
        """A webhook (admin), without its secret."""
        return WebhookOut.of(await get_webhook(actor=actor, webhook_id=webhook_id))

    @patch("/{webhook_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_webhook(
        self,
        webhook_id: FromPath[UUID],
        data: JSONBody[WebhookUpdate],
        actor: NamedDependency[Actor],
        update_webhook: NamedDependency[uc.UpdateWebhook],
    ) -> WebhookOut:
        """Change a webhook's ``url``, ``events``, ``description`` or ``is_active`` (admin). An
        inactive webhook gets nothing more: its waiting deliveries end as ``dead``."""
        return WebhookOut.of(
            await update_webhook(actor=actor, webhook_id=webhook_id, changes=data.to_domain())
        )

    @delete("/{webhook_id:uuid}", status_code=204, responses=errors(401, 403, 404, 429, 503))
    async def delete_webhook(
        self,
        webhook_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_webhook: NamedDependency[uc.DeleteWebhook],
    ) -> None:
        """Delete a webhook with its delivery log (admin)."""
        await delete_webhook(actor=actor, webhook_id=webhook_id)

    @post("/{webhook_id:uuid}/rotate-secret", status_code=200, responses=errors(401, 403, 404, 429, 503))
    async def rotate_secret(
        self,
        webhook_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        rotate_webhook_secret: NamedDependency[uc.RotateSecret],
    ) -> WebhookSecretOut:
        """Give a webhook a new secret (admin); from now on only the new one signs."""
        return WebhookSecretOut.of_secret(await rotate_webhook_secret(actor=actor, webhook_id=webhook_id))

    @post("/{webhook_id:uuid}/test", status_code=202, responses=errors(401, 403, 404, 409, 429, 503))
    async def send_test_event(
        self,
        webhook_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        send_test_event: NamedDependency[uc.SendTestEvent],
    ) -> TestEventOut:
        """Send a ``webhook.test`` event to this webhook only, whatever its events (admin); an
        inactive webhook is 409."""
        return TestEventOut(event_id=await send_test_event(actor=actor, webhook_id=webhook_id))

    @get("/{webhook_id:uuid}/deliveries", responses=errors(401, 403, 404, 422, 429, 503))
    async def list_deliveries(
        self,
        webhook_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        list_deliveries: NamedDependency[uc.ListDeliveries],
        page: PageNumber = 1,
        page_size: PageSize = 20,
        status: StatusFilter = None,
    ) -> DeliveryPage:
        """A webhook's deliveries, newest first, optionally in one status (admin)."""
        return DeliveryPage.of(
            await list_deliveries(
                actor=actor, webhook_id=webhook_id, page=page_request(page, page_size), status=status
            )
        )

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        status_code=202,
        responses=errors(401, 403, 404, 409, 429, 503),
    )
    async def redeliver(
        self,
        webhook_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        redeliver: NamedDependency[uc.Redeliver],
    ) -> DeliveryOut:
        """Send a delivery again, whatever its status (admin): one more try with the same
        ``webhook-id``, counted in ``attempts``. Answers the delivery as it was when the try was
        queued; an inactive webhook is 409."""
        return DeliveryOut.of(await redeliver(actor=actor, webhook_id=webhook_id, delivery_id=delivery_id))
