from core.errors import DomainError


class VerificationError(DomainError):
    code = "verification_error"


class VerificationThrottled(VerificationError):
    """The caller has started more verifications than its rate allows; `retry_after` in seconds."""

    kind = "throttled"
    code = "throttled"

    def __init__(self, retry_after: int):
        seconds = f"{retry_after} second" + ("s" if retry_after != 1 else "")
        super().__init__(f"Too many verification requests in a short time; try again in {seconds}.")
        self.retry_after = retry_after
