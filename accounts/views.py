"""Portal pages for signing in and managing one's own account.

Sign-in is two steps when two-factor is on: the password step (accounts.services.user_authenticate)
leaves only a short-lived signed token naming the pending user in the session; the session is
logged in after the code step (accounts.services.user_verify_second_factor), never before. The
Django admin signs in here too (admin_login_view).
"""

from __future__ import annotations

import pyotp
import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.client_ip import client_ip
from core.crypto import decrypt_text
from core.errors import DomainError
from core.portal import apply_domain_error, safe_next_url
from core.throttling import LoginThrottle, PasswordResetThrottle, RegisterThrottle
from organizations.portal import portal_view

from . import forms, services, twofactor
from .errors import AccountError, AuthFailed
from .models import User
from .signals import emit_security_event

PENDING_KEY = "portal_pending_2fa"
PENDING_ATTEMPTS_KEY = "portal_pending_2fa_attempts"
PENDING_SALT = "accounts.portal.second-factor"
PENDING_MAX_AGE = 300
MAX_CODE_ATTEMPTS = 5
SIGNUP_SENT = (
    "If this address can be registered, we have sent a link to it. Open it to confirm your address, "
    "then sign in to set up your organization. The link is valid for a few days."
)
RESET_SENT = "If an account uses this address, we have sent a link to choose a new password. It is valid for a limited time."


def _throttled(request, throttle_class) -> HttpResponse | None:
    """The API's per-client throttles, shared with the portal so limits hold across both."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    wait = int(throttle.wait() or 60)
    response = render(request, "portal/auth/throttled.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- Sign in ---------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(safe_next_url(request))
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST":
        if limited := _throttled(request, LoginThrottle):
            return limited
        if form.is_valid():
            email, password = form.cleaned_data["email"], form.cleaned_data["password"]
            try:
                user = services.user_authenticate(request=request, email=email, password=password)
            except AuthFailed as exc:
                if exc.code != "otp_required":
                    form.add_error(None, exc.message)
                elif response := _begin_second_factor(request, email, form):
                    return response
            except AccountError as exc:
                form.add_error(None, exc.message)
            else:
                return _sign_in(request, user, safe_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "portal/auth/login.html", context)


def _begin_second_factor(request, email: str, form):
    # user_authenticate only asks for the code once the password was right.
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        form.add_error(None, "No active account found with the given credentials.")
        return None
    payload = {"uid": user.pk, "h": user.get_session_auth_hash(), "next": safe_next_url(request)}
    request.session[PENDING_KEY] = signing.dumps(payload, salt=PENDING_SALT)
    request.session[PENDING_ATTEMPTS_KEY] = 0
    return redirect("portal:login-otp")


def _pending_second_factor(request) -> tuple[User | None, str]:
    token = request.session.get(PENDING_KEY)
    if not token:
        return None, ""
    try:
        data = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        _drop_pending(request)
        return None, ""
    user = User.objects.filter(pk=data.get("uid"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data.get("h", "")):
        _drop_pending(request)
        return None, ""
    return user, data.get("next") or reverse("portal:dashboard")


def _drop_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(PENDING_ATTEMPTS_KEY, None)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp_view(request):
    user, next_url = _pending_second_factor(request)
    if user is None:
        messages.info(request, "Your sign-in has expired. Please enter your password again.")
        return redirect("portal:login")
    form = forms.OTPForm(request.POST or None)
    if request.method == "POST":
        if limited := _throttled(request, LoginThrottle):
            return limited
        if form.is_valid():
            try:
                services.user_verify_second_factor(request=request, user=user, code=form.cleaned_data["code"])
            except DomainError as exc:
                attempts = request.session.get(PENDING_ATTEMPTS_KEY, 0) + 1
                request.session[PENDING_ATTEMPTS_KEY] = attempts
                if attempts >= MAX_CODE_ATTEMPTS:
                    _drop_pending(request)
                    messages.error(request, "Too many wrong codes. Please sign in again.")
                    return redirect("portal:login")
                apply_domain_error(form, exc, {"otp_code": "code"})
            else:
                return _sign_in(request, user, next_url)
    return render(request, "portal/auth/login_otp.html", {"form": form})


def _sign_in(request, user: User, next_url: str):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    _drop_pending(request)
    return redirect(next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def admin_login_view(request):
    """The Django admin's sign-in page sends people to this sign-in (password, then the second
    factor, under the login throttle and the failure counting), keeping `next`; the admin's own
    password form is never served, and nothing posted to it is checked."""
    next_url = safe_next_url(request, fallback="admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url, login_url="portal:login")
    if request.user.is_active and request.user.is_staff:
        return redirect(next_url)
    raise PermissionDenied  # signed in without staff rights: signing in again would not help


@require_POST
def logout_view(request):
    """Signs out of the portal and of the admin (config/urls.py sends the admin's sign-out here)."""
    if request.user.is_authenticated:
        emit_security_event(user=request.user, action="auth.logout", ip=client_ip(request))
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("portal:login")


# --- Sign up ------------------------------------------------------------------------------------------


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request):
    """A new account from the web, through the API's registration service and throttle. The answer
    is the same whether or not the address already has an account (its owner is e-mailed)."""
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST":
        if limited := _throttled(request, RegisterThrottle):
            return limited
        if form.is_valid():
            try:
                services.user_register(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["new_password1"],
                    full_name=form.cleaned_data["full_name"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc, {"password": "new_password1"})
            else:
                return render(request, "portal/auth/signup_sent.html", {"message": SIGNUP_SENT})
    status = 400 if form.errors else 200
    return render(request, "portal/auth/signup.html", {"form": form}, status=status)


# --- Passwords and e-mail ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request_view(request):
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if limited := _throttled(request, PasswordResetThrottle):
            return limited
        if form.is_valid():
            services.password_reset_request(email=form.cleaned_data["email"])
            return render(request, "portal/auth/password_reset_sent.html", {"message": RESET_SENT})
    return render(request, "portal/auth/password_reset.html", {"form": form})


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request, uid: str, token: str):
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST":
        if limited := _throttled(request, PasswordResetThrottle):
            return limited
        if form.is_valid():
            try:
                services.password_reset_confirm(
                    uid=uid, token=token, new_password=form.cleaned_data["new_password1"]
                )
            except DomainError as exc:
                apply_domain_error(form, exc, {"password": "new_password1"})
            else:
                messages.success(request, "Your password has been changed. Sign in with the new one.")
                return redirect("portal:login")
    return render(request, "portal/auth/password_reset_confirm.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_view(request):
    """The e-mailed link opens a page; the address is confirmed by a POST (link scanners only GET)."""
    token = request.POST.get("token") or request.GET.get("token", "")
    context = {"token": token, "error": "" if token else "This verification link is incomplete."}
    if request.method == "POST" and token:
        try:
            services.user_verify_email(token=token)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            context["verified"] = True
    return render(request, "portal/auth/verify_email.html", context)


# --- Profile and security -----------------------------------------------------------------------------


@portal_view(organization_required=False)
@require_http_methods(["GET", "POST"])
def profile_view(request):
    profile_form = forms.ProfileForm(
        request.POST or None, initial={"full_name": request.user.full_name}, prefix="profile"
    )
    if request.method == "POST" and profile_form.is_valid():
        services.user_update_profile(user=request.user, full_name=profile_form.cleaned_data["full_name"])
        messages.success(request, "Your profile has been saved.")
        return redirect("portal:profile")
    return _render_profile(request, profile_form=profile_form)


def _render_profile(request, *, profile_form=None, password_form=None, status: int = 200):
    context = {
        "profile_form": profile_form
        or forms.ProfileForm(initial={"full_name": request.user.full_name}, prefix="profile"),
        "password_form": password_form or forms.PasswordChangeForm(prefix="password"),
    }
    return render(request, "portal/account/profile.html", context, status=status)


@sensitive_post_parameters()
@portal_view(organization_required=False)
@require_POST
def password_change_view(request):
    form = forms.PasswordChangeForm(request.POST, prefix="password")
    if form.is_valid():
        try:
            services.user_change_password(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, {"password": "new_password1"})
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed. Other sessions were signed out.")
            return redirect("portal:profile")
    return _render_profile(request, password_form=form)


@portal_view(organization_required=False)
@require_GET
def security_view(request):
    return _render_security(request)


def _render_security(request, *, disable_form=None):
    user = request.user
    context = {
        "totp_enabled": user.totp_enabled,
        "enrolment_pending": bool(user.totp_secret_encrypted) and not user.totp_enabled,
        "backup_codes_left": user.backup_codes.filter(used_at__isnull=True).count()
        if user.totp_enabled
        else 0,
        "disable_form": disable_form or forms.TOTPDisableForm(),
    }
    return render(request, "portal/account/security.html", context)


@portal_view(organization_required=False)
@require_POST
def two_factor_begin_view(request):
    try:
        twofactor.totp_begin_enrolment(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:security")
    return redirect("portal:two-factor-enrol")


def _pending_enrolment(user: User) -> dict | None:
    """What the authenticator app needs for the secret stored by totp_begin_enrolment."""
    if user.totp_enabled or not user.totp_secret_encrypted:
        return None
    secret = decrypt_text(user.totp_secret_encrypted)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=twofactor.ISSUER_NAME)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"secret": grouped, "qr_svg_data_uri": segno.make(uri, error="m").svg_data_uri(scale=5)}


@sensitive_post_parameters("code")
@never_cache
@portal_view(organization_required=False)
@require_http_methods(["GET", "POST"])
def two_factor_enrol_view(request):
    enrolment = _pending_enrolment(request.user)
    if enrolment is None:
        return redirect("portal:security")
    form = forms.TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.totp_confirm_enrolment(
                user=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Two-factor authentication is on.")
            # Shown once, in this response only; never stored anywhere we could show it again.
            return render(request, "portal/account/backup_codes.html", {"codes": codes})
    return render(request, "portal/account/two_factor_enrol.html", {"form": form, "enrolment": enrolment})


@sensitive_post_parameters("password", "code")
@portal_view(organization_required=False)
@require_POST
def two_factor_disable_view(request):
    form = forms.TOTPDisableForm(request.POST)
    if form.is_valid():
        try:
            twofactor.totp_disable(user=request.user, ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Two-factor authentication is off.")
            return redirect("portal:security")
    return _render_security(request, disable_form=form)
