from core.errors import DomainError


class VerificationError(DomainError):
    code = "verification_error"
