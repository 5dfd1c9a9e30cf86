from rest_framework import status

from core.errors import DomainError


class AccountError(DomainError):
    code = "account_error"


class AuthFailed(AccountError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "invalid_credentials"
