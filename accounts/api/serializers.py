from rest_framework import serializers

from accounts.models import User
from accounts.twofactor import OTP_CODE_MESSAGE, OTP_CODE_PATTERN, TOTP_CODE_MESSAGE, TOTP_CODE_PATTERN


def otp_code_field(*, backup_codes: bool = True, **kwargs) -> serializers.RegexField:
    """A code typed from an authenticator app (or a backup code): ASCII only, so full-width or
    other scripts' digits are a field error here rather than a surprise in the code check."""
    pattern, message = (
        (OTP_CODE_PATTERN, OTP_CODE_MESSAGE) if backup_codes else (TOTP_CODE_PATTERN, TOTP_CODE_MESSAGE)
    )
    return serializers.RegexField(pattern, max_length=32, error_messages={"invalid": message}, **kwargs)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    otp_code = otp_code_field(required=False, allow_blank=True, default="")


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class MembershipSummarySerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.slug")
    organization_name = serializers.CharField(source="organization.name")
    role = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "email_verified", "totp_enabled", "date_joined", "memberships"]
        read_only_fields = ["id", "email", "email_verified", "totp_enabled", "date_joined", "memberships"]

    def get_memberships(self, user) -> list[dict]:
        memberships = user.memberships.select_related("organization").filter(organization__is_active=True)
        return MembershipSummarySerializer(memberships, many=True).data


class VerifyEmailSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128)


class TOTPSetupSerializer(serializers.Serializer):
    secret = serializers.CharField()
    otpauth_uri = serializers.CharField()
    qr_svg_data_uri = serializers.CharField()


class TOTPConfirmSerializer(serializers.Serializer):
    code = otp_code_field(backup_codes=False)


class BackupCodesSerializer(serializers.Serializer):
    backup_codes = serializers.ListField(child=serializers.CharField())


class TOTPDisableSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128)
    code = otp_code_field()
