"""Demo data: an organization, one user per role, and sample certificates. Safe to run twice."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from organizations.access import Actor
from organizations.identity import organization_review
from organizations.models import Membership, Organization, VerificationLevel
from organizations.roles import Role

DEMO_PASSWORD = "CertVerify-demo-2026"
DEMO_ORG = {
    "slug": "demo-university",
    "name": "Demo University",
    "country": "DE",
    "website": "https://demo-university.example",
}
DEMO_USERS = [
    ("owner@demo.certverify.test", "Olivia Owner", Role.OWNER),
    ("admin@demo.certverify.test", "Adam Admin", Role.ADMIN),
    ("issuer@demo.certverify.test", "Isla Issuer", Role.ISSUER),
    ("viewer@demo.certverify.test", "Victor Viewer", Role.VIEWER),
]
DEMO_REVIEW_NOTE = "Demo data: the demo organization is reviewed so its certificates show a reviewed issuer."
SUPERUSER = ("superuser@demo.certverify.test", "Sam Superuser")


class Command(BaseCommand):
    help = "Create demo data (organization, users of each role, sample certificates)."

    def handle(self, *args, **options):
        with transaction.atomic():
            org, _ = Organization.objects.update_or_create(slug=DEMO_ORG["slug"], defaults=DEMO_ORG)
            for email, name, role in DEMO_USERS:
                user = self._user(email, name)
                Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
            admin = self._user(*SUPERUSER)
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
            if org.verification_level != VerificationLevel.REVIEWED:
                organization_review(actor=Actor(user=admin), organization=org, note=DEMO_REVIEW_NOTE)
            issued = self._certificates(org)
        self._anchor()  # after the commit: chain transactions are not rolled back with the database
        self.stdout.write(
            self.style.SUCCESS(f"Demo organization: {org.name} ({org.slug}); {issued} certificates.")
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<7} {email}")
        self.stdout.write(f"  admin   {SUPERUSER[0]}  (Django admin at /admin/)")

    def _user(self, email: str, name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=name, email_verified=True
            )
        return user

    def _anchor(self) -> None:
        try:
            from certificates.demo import anchor_demo_certificates
        except ImportError:  # certificates not available yet
            return
        anchored = anchor_demo_certificates()
        if anchored and anchored["anchors"]:
            self.stdout.write(
                f"Anchored on the embedded chain: anchors {anchored['anchors']}, {anchored['statuses']}."
            )

    def _certificates(self, org) -> int:
        try:
            from certificates.demo import seed_certificates
        except ImportError:  # certificates not available yet
            return 0
        return seed_certificates(org)
