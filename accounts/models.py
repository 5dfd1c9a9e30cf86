from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, email_verified=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with e-mail; never hard-deleted (deactivated and minimized instead)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into the Django admin.")
    email_verified = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # TOTP secret, encrypted with FIELD_ENCRYPTION_KEY; set while enrolling, active once confirmed.
    totp_secret_encrypted = models.TextField(blank=True)
    totp_enabled = models.BooleanField(default=False)
    totp_last_used_step = models.BigIntegerField(null=True, blank=True)
    # Failed sign-ins from every address since failed_login_since; past the account's ceiling the
    # account is locked for everyone until locked_until (accounts/lockout.py).
    failed_login_count = models.PositiveIntegerField(default=0)
    failed_login_since = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class BackupCode(models.Model):
    """A single-use two-factor recovery code; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="uniq_backup_code")]

    def __str__(self) -> str:
        return f"backup code of {self.user_id} ({'used' if self.used_at else 'unused'})"


class LoginFailure(models.Model):
    """Failed sign-ins of one account from one client address, and that address's lockout.

    Counted per (account, address) so a guesser locks out itself, not the owner signing in from
    elsewhere (accounts/lockout.py). Deleted when that address signs in.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_failures")
    ip = models.CharField(max_length=45, blank=True)  # "" when the address is not known
    failures = models.PositiveIntegerField(default=0)
    failed_since = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ip"], name="uniq_login_failure")]

    def __str__(self) -> str:
        return f"{self.failures} failed sign-ins of {self.user_id} from {self.ip or 'an unknown address'}"
