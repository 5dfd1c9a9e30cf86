"""`manage.py verify_proof FILE --rpc URL`: check a proof bundle, step by step (certificates/proofcheck.py)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates.anchoring.proofcheck import check_bundle, format_report


class Command(BaseCommand):
    help = (
        "Check a certificate proof bundle (from GET /api/v1/public/certificates/<id>/proof/): its content "
        "hash, its Merkle path and its anchoring transaction. Exit status 0 = valid, 1 = a check failed, "
        "2 = incomplete (e.g. no RPC URL)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the proof bundle JSON file")
        parser.add_argument("--rpc", help="JSON-RPC URL of the anchoring chain (default: CHAIN_RPC_URL)")
        parser.add_argument("--min-confirmations", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8") as fh:
                bundle = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the proof bundle: {exc}") from exc
        rpc_url = options["rpc"] or settings.CHAIN_RPC_URL or None
        report = check_bundle(bundle, rpc_url, min_confirmations=options["min_confirmations"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in format_report(report):
                self.stdout.write(line)
        if report.exit_code:
            verdict = "a check failed" if report.failed else "some checks could not run"
            raise CommandError(f"the proof is not valid: {verdict}", returncode=report.exit_code)
