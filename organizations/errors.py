from core.errors import DomainError


class OrganizationError(DomainError):
    code = "organization_error"
