from core.errors import DomainError


class HolderError(DomainError):
    code = "holder_error"
