from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from accounts import services, twofactor
from accounts.errors import AccountError
from accounts.signals import emit_security_event
from core.client_ip import client_ip
from core.throttling import LoginThrottle, PasswordResetThrottle, RefreshThrottle, RegisterThrottle

from . import serializers as s
from .permissions import IsPerson

REGISTERED = "If this address can be registered, we have sent a verification link to it."
RESET_SENT = "If an account uses this address, we have sent a password reset link to it."


def tokens_for(user) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegisterThrottle]

    @extend_schema(request=s.RegisterSerializer, responses={202: s.MessageSerializer})
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_register(**data.validated_data)
        return Response({"detail": REGISTERED}, status=status.HTTP_202_ACCEPTED)


class VerifyEmailView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.VerifyEmailSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = s.VerifyEmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_verify_email(token=data.validated_data["token"])
        return Response({"detail": "Your e-mail address is verified."})


class TokenObtainView(APIView):
    """E-mail + password (+ a TOTP or backup code once two-factor is on) → access and refresh."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=s.TokenObtainSerializer, responses={200: s.TokenPairSerializer})
    def post(self, request):
        data = s.TokenObtainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request, **data.validated_data)
        emit_security_event(user=user, action="auth.login", ip=client_ip(request), details={"via": "api"})
        return Response(tokens_for(user))


class TokenRefreshView(BaseTokenRefreshView):
    throttle_classes = [RefreshThrottle]


class LogoutView(APIView):
    """Blacklist the given refresh token; `{"all": true}` logs out every session."""

    permission_classes = [IsPerson]

    @extend_schema(request=s.RefreshSerializer, responses={205: None})
    def post(self, request):
        # The body may be any JSON (a list, a string): only a mapping can ask for "all".
        if hasattr(request.data, "get") and request.data.get("all") in (True, "true", "1"):
            services.user_revoke_refresh_tokens(user=request.user)
            return Response(status=status.HTTP_205_RESET_CONTENT)
        data = s.RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError as exc:
            raise AccountError(
                "This refresh token is invalid or already used.", field="refresh", code="token_not_valid"
            ) from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise AccountError(
                "This refresh token is invalid or already used.", field="refresh", code="token_not_valid"
            )
        token.blacklist()
        emit_security_event(user=request.user, action="auth.logout", ip=client_ip(request))
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)

    @extend_schema(request=s.MeSerializer, responses=s.MeSerializer)
    def patch(self, request):
        data = s.MeSerializer(request.user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(
            user=request.user, full_name=data.validated_data.get("full_name", request.user.full_name)
        )
        return Response(s.MeSerializer(user).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Close the account: deactivated and personal data minimized (see README, Privacy)."""
        services.user_deactivate(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(request=s.PasswordChangeSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = s.PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, ip=client_ip(request), **data.validated_data)
        return Response({"detail": "Password changed. Other sessions have been signed out."})


class PasswordResetView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(request=s.PasswordResetSerializer, responses={202: s.MessageSerializer})
    def post(self, request):
        data = s.PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(request=s.PasswordResetConfirmSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = s.PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response({"detail": "Your password has been reset. Sign in with the new one."})


class TOTPSetupView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(request=None, responses=s.TOTPSetupSerializer)
    def post(self, request):
        return Response(twofactor.totp_begin_enrolment(user=request.user))


class TOTPConfirmView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(request=s.TOTPConfirmSerializer, responses=s.BackupCodesSerializer)
    def post(self, request):
        data = s.TOTPConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            codes = twofactor.totp_confirm_enrolment(
                user=request.user, code=data.validated_data["code"], ip=client_ip(request)
            )
        return Response({"backup_codes": codes})


class TOTPDisableView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(request=s.TOTPDisableSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = s.TOTPDisableSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        twofactor.totp_disable(user=request.user, ip=client_ip(request), **data.validated_data)
        return Response({"detail": "Two-factor authentication is off."})
