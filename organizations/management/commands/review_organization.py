"""Mark an organization reviewed by staff, recording what was checked (audited)."""

from django.core.management.base import BaseCommand, CommandError

from organizations.access import Actor
from organizations.errors import OrganizationError
from organizations.identity import organization_review
from organizations.models import Organization


class Command(BaseCommand):
    help = "Set an organization's verification level to reviewed, with a note of what was checked."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--note", required=True, help="What was checked (accreditation, registry …).")

    def handle(self, *args, slug: str, note: str, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization has the slug {slug!r}.")
        try:
            organization_review(actor=Actor(), organization=organization, note=note)
        except OrganizationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{organization.name} ({slug}) is reviewed."))
