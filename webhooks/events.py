"""The event types CertVerify sends. Domain apps record them with `services.event_record`."""

from django.db import models


class EventType(models.TextChoices):
    CERTIFICATE_ISSUED = "certificate.issued", "Certificate issued"
    CERTIFICATE_REVOKED = "certificate.revoked", "Certificate revoked"
    CERTIFICATE_ANCHORED = "certificate.anchored", "Certificate anchored on chain"
    BATCH_COMPLETED = "batch.completed", "Bulk issuance batch completed"
    VERIFICATION_COMPLETED = "verification.completed", "Verification completed"
    VERIFICATION_FLAGGED = "verification.flagged", "Suspected forgery in the organization's name"
    WEBHOOK_TEST = "webhook.test", "Test event"


CERTIFICATE_ISSUED = EventType.CERTIFICATE_ISSUED.value
CERTIFICATE_REVOKED = EventType.CERTIFICATE_REVOKED.value
CERTIFICATE_ANCHORED = EventType.CERTIFICATE_ANCHORED.value
BATCH_COMPLETED = EventType.BATCH_COMPLETED.value
VERIFICATION_COMPLETED = EventType.VERIFICATION_COMPLETED.value
VERIFICATION_FLAGGED = EventType.VERIFICATION_FLAGGED.value
WEBHOOK_TEST = EventType.WEBHOOK_TEST.value

EVENT_TYPES: frozenset[str] = frozenset(EventType.values)
