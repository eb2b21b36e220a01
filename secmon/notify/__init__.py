"""Notifications: incidents go to webhooks through a persisted outbox (see webhook.py, outbox.py).

Errors: secmon.errors.NotificationError when the outbox cannot be written.
"""

from secmon.notify.outbox import Message, Outbox
from secmon.notify.webhook import (
    SIGNATURE_HEADER,
    DeliveryReport,
    DeliveryThread,
    WebhookNotifier,
    sign,
    verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "DeliveryReport",
    "DeliveryThread",
    "Message",
    "Outbox",
    "WebhookNotifier",
    "sign",
    "verify",
]
