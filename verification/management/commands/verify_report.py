"""Check a signed verification report (its JSON, or the PDF that carries it) and print the result."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from verification.reports import REPORT_MAX_BYTES, VerificationError, report_parse, report_verify


class Command(BaseCommand):
    help = "Verify a CertVerify report JSON: its signature, and whether the credential's status has changed."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The report's JSON file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            with path.open("rb") as fh:
                data = fh.read(REPORT_MAX_BYTES + 1)
            result = report_verify(report_parse(data))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except VerificationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(result, indent=2))
        if not result["signature_valid"]:
            raise CommandError("The signature is NOT valid.")
