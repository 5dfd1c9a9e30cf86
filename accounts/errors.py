from core.errors import DomainError


class AccountError(DomainError):
    code = "account_error"


class AuthFailed(AccountError):
    kind = "unauthenticated"
    code = "invalid_credentials"
