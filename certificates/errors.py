from core.errors import DomainError


class CertificateError(DomainError):
    code = "certificate_error"
