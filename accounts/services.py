"""Account writes: registration, e-mail verification, login, passwords, sessions.

Responses built on these never reveal whether an e-mail address has an account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.client_ip import client_ip

from .errors import AccountError, AuthFailed
from .lockout import login_failure_record, login_failures_clear, login_locked, login_success_record
from .models import User
from .signals import emit_security_event
from .tokens import user_revoke_refresh_tokens
from .twofactor import totp_verify

EMAIL_VERIFY_SALT = "accounts.verify-email"
NO_ACCOUNT = "No active account found with the given credentials."

logger = logging.getLogger(__name__)


def _render(template: str, context: dict) -> tuple[str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    return subject, render_to_string(f"emails/{template}.txt", context)


def _send(template: str, *, to: str, context: dict) -> None:
    subject, body = _render(template, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def account_email_send(*, template: str, user_id: int, to: str) -> str:
    """Render and send one account e-mail (run by a worker). The link's token is made here, at
    send time, so no secret travels through the broker."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "no-such-user"
    context: dict = {"user": user}
    if template == "verify_email":
        context["token"] = email_verification_token(user)
    elif template == "password_reset":
        context["uid"] = urlsafe_base64_encode(force_bytes(user.pk))
        context["token"] = default_token_generator.make_token(user)
    _send(template, to=to, context=context)
    return "sent"


def _queue_email(template: str, *, user: User, to: str) -> None:
    """Hand an account e-mail to a worker, so a request never waits for the mail server: whether
    a message went out (an address with an account) does not show in the response time. Without
    a broker it is sent here, as the embedded default does."""
    from .tasks import send_account_email

    if send_account_email.app.conf.task_always_eager:  # no broker: send here, without eager Celery
        account_email_send(template=template, user_id=user.pk, to=to)
        return
    try:
        send_account_email.apply_async(
            kwargs={"template": template, "user_id": user.pk, "to": to}, retry=False
        )
    except (BrokerUnavailable, OSError):
        logger.warning("broker unavailable; sending the %s e-mail in the request", template)
        account_email_send(template=template, user_id=user.pk, to=to)


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), field="password", code="weak_password") from exc


def email_verification_token(user: User) -> str:
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=EMAIL_VERIFY_SALT)


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str = "", verified: bool = False) -> User | None:
    """Create an account and e-mail a verification link.

    When the address already has an account nothing is created and that account's owner is
    told by e-mail instead, so the caller's response is the same either way. Returns the new
    user, or None when the address was taken.
    """
    email = User.objects.normalize_email(email).strip().lower()
    _validate_password(password, User(email=email, full_name=full_name))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)  # same work as creating the account, so timing does not tell
        transaction.on_commit(lambda: _queue_email("account_exists", user=existing, to=email))
        return None
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, email_verified=verified
    )
    if not verified:
        transaction.on_commit(lambda: _queue_email("verify_email", user=user, to=email))
    emit_security_event(user=user, action="auth.registered")
    return user


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    try:
        data = signing.loads(
            token, salt=EMAIL_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE.total_seconds()
        )
    except signing.BadSignature as exc:
        raise AccountError(
            "This verification link is invalid or has expired.", field="token", code="invalid_token"
        ) from exc
    user = User.objects.select_for_update().filter(pk=data.get("uid"), email=data.get("email")).first()
    if user is None:
        raise AccountError(
            "This verification link is invalid or has expired.", field="token", code="invalid_token"
        )
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        emit_security_event(user=user, action="auth.email_verified")
    return user


def user_authenticate(*, request, email: str, password: str, otp_code: str = "") -> User:
    """Check credentials (and the second factor once enabled) for the token endpoint and portal.

    Unknown address, wrong password and a lockout (accounts/lockout.py) all fail the same way.
    """
    email = (email or "").strip().lower()
    ip = client_ip(request)
    candidate = User.objects.filter(email__iexact=email).first()
    if candidate is not None and login_locked(user=candidate, ip=ip):
        authenticate(request, email=email, password=password)  # same work, same timing
        raise AuthFailed(NO_ACCOUNT)
    user = authenticate(request, email=email, password=password)
    if user is None:
        if candidate is not None:
            _login_failed(candidate, ip)
        raise AuthFailed(NO_ACCOUNT)
    if not user.email_verified:
        raise AccountError("Verify your e-mail address first; we sent you a link.", code="email_unverified")
    if not user.totp_enabled:
        login_success_record(user=user, ip=ip)
        return user
    if not otp_code:
        raise AuthFailed("Enter the code from your authenticator app.", code="otp_required", field="otp_code")
    return user_verify_second_factor(request=request, user=user, code=otp_code)


def user_verify_second_factor(*, request, user: User, code: str) -> User:
    """The code step of a sign-in whose password was right (a TOTP or a backup code), locked out
    and counted like the password step. The portal calls it on its own page after the password."""
    ip = client_ip(request)
    if login_locked(user=user, ip=ip):
        raise AuthFailed(NO_ACCOUNT)
    if not totp_verify(user=user, code=code):
        _login_failed(user, ip)
        raise AuthFailed("That code is not valid.", code="otp_invalid", field="otp_code")
    login_success_record(user=user, ip=ip)
    return user


def _login_failed(user: User, ip: str | None) -> None:
    failures = login_failure_record(user=user, ip=ip)
    emit_security_event(user=user, action="auth.login_failed", ip=ip, details={"count": failures})


@transaction.atomic
def user_change_password(
    *, user: User, current_password: str, new_password: str, ip: str | None = None
) -> None:
    if not user.check_password(current_password):
        raise AccountError(
            "The current password is not correct.", field="current_password", code="invalid_password"
        )
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_refresh_tokens(user=user)
    emit_security_event(user=user, action="auth.password_changed", ip=ip)


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link if the address has an active account; silent otherwise.

    The message is sent by a worker, so the mail server's time never shows in the response. An
    unknown address costs the same work as making the message (a link and a text, then dropped),
    which is what an eagerly run task does here, so response times do not tell whether the address
    has an account either way.
    """
    email = (email or "").strip()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        _queue_email("password_reset", user=user, to=user.email)
    else:
        stand_in = User(email=email)
        uid = urlsafe_base64_encode(force_bytes(stand_in.pk))
        _render(
            "password_reset",
            {"user": stand_in, "uid": uid, "token": default_token_generator.make_token(stand_in)},
        )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    invalid = AccountError("This reset link is invalid or has expired.", field="token", code="invalid_token")
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        raise invalid from None
    user = User.objects.select_for_update().filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    login_failures_clear(user=user)
    user_revoke_refresh_tokens(user=user)
    emit_security_event(user=user, action="auth.password_reset")
    return user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Deactivate and minimize personal data; the row stays so history keeps its actor."""
    from organizations.services import memberships_check_owner_can_leave  # organizations imports us

    memberships_check_owner_can_leave(user=user)  # keeps the organizations locked until we commit
    user.is_active = False
    user.full_name = ""
    user.email = f"deleted-{user.pk}@invalid.certverify"
    user.set_unusable_password()
    user.totp_enabled = False
    user.totp_secret_encrypted = ""
    user.save(
        update_fields=["is_active", "full_name", "email", "password", "totp_enabled", "totp_secret_encrypted"]
    )
    user_revoke_refresh_tokens(user=user)
    emit_security_event(user=user, action="auth.deactivated")
