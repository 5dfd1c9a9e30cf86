from rest_framework import serializers

from organizations.identity import organization_identity
from organizations.models import APIKey, AuditEvent, Invitation, Membership, Organization
from organizations.roles import Role


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    is_verified = serializers.BooleanField(read_only=True)
    verification = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "country",
            "website",
            "domain",
            "is_verified",
            "verification",
            "created_at",
            "role",
        ]
        read_only_fields = ["is_verified", "verification", "created_at", "role"]
        extra_kwargs = {"slug": {"required": False}}

    def get_verification(self, org) -> dict:
        return organization_identity(org)

    def get_role(self, org) -> str | None:
        actor = self.context.get("actor")
        return actor.role_in(org) if actor else None

    def validate_country(self, value: str) -> str:
        if value and (len(value) != 2 or not value.isalpha()):
            raise serializers.ValidationError("Use a two-letter ISO 3166 country code, e.g. DE.")
        return value.upper()


class OrganizationUpdateSerializer(OrganizationSerializer):
    class Meta(OrganizationSerializer.Meta):
        read_only_fields = ["slug", "is_verified", "verification", "created_at", "role"]


class DomainProofStartSerializer(serializers.Serializer):
    domain = serializers.CharField(max_length=255)


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = ["id", "email", "full_name", "created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    invited_by = serializers.EmailField(
        source="invited_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "status", "invited_by", "created_at", "expires_at"]
        extra_kwargs = {"role": {"default": Role.VIEWER}}  # optional, as on the model


class InvitationTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)


class InvitationRegisterSerializer(InvitationTokenSerializer):
    password = serializers.CharField(max_length=128)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class APIKeySerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = APIKey
        fields = [
            "id",
            "name",
            "prefix",
            "role",
            "is_active",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = [
            "id",
            "prefix",
            "is_active",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        extra_kwargs = {"role": {"default": Role.ISSUER}}


class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once. Store it now.")

    class Meta(APIKeySerializer.Meta):
        fields = APIKeySerializer.Meta.fields + ["key"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", read_only=True, default=None, allow_null=True)
    actor_api_key = serializers.CharField(
        source="actor_api_key.prefix", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "actor_api_key",
            "target_type",
            "target_id",
            "ip",
            "details",
        ]
        read_only_fields = fields
