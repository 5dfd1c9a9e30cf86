from core.errors import DomainError


class WebhookError(DomainError):
    code = "webhook_error"
