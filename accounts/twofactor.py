"""TOTP two-factor: enrolment, confirmation, verification and backup codes."""

from __future__ import annotations

import hashlib
import re
import secrets

import pyotp
import segno
from django.db import transaction
from django.utils import timezone

from core.crypto import decrypt_text, encrypt_text

from .errors import AccountError
from .models import BackupCode, User
from .signals import emit_security_event
from .tokens import user_revoke_refresh_tokens

ISSUER_NAME = "CertVerify"
BACKUP_CODE_COUNT = 10
# What a person may type, in ASCII only ([0-9], not \d, which matches every script's digits): the
# authenticator app's code, or (where a backup code is accepted) one of theirs, e.g. 3f9a0c-81be2d.
# ^ and $ (not \A and \Z) so the OpenAPI schema can carry them; the fields strip whitespace first.
TOTP_CODE_PATTERN = r"^[0-9]{6}$"
OTP_CODE_PATTERN = r"^(?:[0-9]{6}|[0-9A-Fa-f]{6}-?[0-9A-Fa-f]{6})$"
TOTP_CODE_MESSAGE = "Enter the 6-digit code from your authenticator app."
OTP_CODE_MESSAGE = "Enter the 6-digit code from your authenticator app, or one of your backup codes."


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def totp_begin_enrolment(*, user: User) -> dict:
    """Create a fresh (not yet active) secret and return what the authenticator app needs."""
    if user.totp_enabled:
        raise AccountError("Two-factor authentication is already enabled.", code="totp_already_enabled")
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = encrypt_text(secret)
    user.save(update_fields=["totp_secret_encrypted"])
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)
    return {
        "secret": secret,
        "otpauth_uri": uri,
        "qr_svg_data_uri": segno.make(uri, error="m").svg_data_uri(scale=4),
    }


def _matching_step(user: User, code: str) -> int | None:
    code = (code or "").strip()
    # compare_digest refuses non-ASCII text with a TypeError; such a code is simply not valid.
    if not user.totp_secret_encrypted or not re.fullmatch(TOTP_CODE_PATTERN, code):
        return None
    totp = pyotp.TOTP(decrypt_text(user.totp_secret_encrypted))
    now = timezone.now()
    for drift in (-1, 0, 1):
        at = now.timestamp() + drift * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


@transaction.atomic
def totp_confirm_enrolment(*, user: User, code: str, ip: str | None = None) -> list[str]:
    """Activate two-factor once the user proves their app works; returns backup codes (shown once).

    Every refresh token of the account is revoked: one taken before the second factor existed
    must not outlive it (the caller signs in again, with a code)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.totp_enabled:
        raise AccountError("Two-factor authentication is already enabled.", code="totp_already_enabled")
    step = _matching_step(user, code)
    if step is None:
        raise AccountError(
            "That code is not valid. Check your authenticator app's clock.", field="code", code="otp_invalid"
        )
    user.totp_enabled = True
    user.totp_last_used_step = step
    user.save(update_fields=["totp_enabled", "totp_last_used_step"])
    codes = _replace_backup_codes(user)
    user_revoke_refresh_tokens(user=user)
    emit_security_event(user=user, action="auth.2fa_enabled", ip=ip)
    return codes


def _replace_backup_codes(user: User) -> list[str]:
    BackupCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create([BackupCode(user=user, code_hash=_hash_code(c)) for c in codes])
    return codes


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a TOTP or backup code at login; each code works once."""
    user = User.objects.select_for_update().get(pk=user.pk)
    step = _matching_step(user, code)
    if step is not None and (user.totp_last_used_step is None or step > user.totp_last_used_step):
        user.totp_last_used_step = step
        user.save(update_fields=["totp_last_used_step"])
        return True
    used = BackupCode.objects.filter(
        user=user, code_hash=_hash_code(code or ""), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


@transaction.atomic
def totp_disable(*, user: User, password: str, code: str, ip: str | None = None) -> None:
    if not user.totp_enabled:
        raise AccountError("Two-factor authentication is not enabled.", code="totp_not_enabled")
    if not user.check_password(password):
        raise AccountError("The password is not correct.", field="password", code="invalid_password")
    if not totp_verify(user=user, code=code):
        raise AccountError("That code is not valid.", field="code", code="otp_invalid")
    user.totp_enabled = False
    user.totp_secret_encrypted = ""
    user.totp_last_used_step = None
    user.save(update_fields=["totp_enabled", "totp_secret_encrypted", "totp_last_used_step"])
    BackupCode.objects.filter(user=user).delete()
    emit_security_event(user=user, action="auth.2fa_disabled", ip=ip)
