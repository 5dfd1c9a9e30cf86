"""From layer results to a trust score (0–100) and a verdict. All the rules live here.

Score: points earned over the maximum of the layers that ran (passed, warning, failed, error);
skipped layers are left out of both. A layer in `error` counts as run and earns nothing: a check
that could not be made never helps a document.

The verdict is about the document only: is it what the issuer issued? Whether the credential still
stands (revoked, suspended, expired, superseded) is a separate answer, taken from the issuer's
record by verification/credential_status.py; the registry layer reports it without deciding.

Verdict, in order (thresholds are settings, see README):
1. Any decisive finding (a field that differs from the issuer's record, a bad QR signature, a
   region changed from the original, an id never issued by a registered issuer) → `fraudulent`,
   and the score is capped at 20.
2. Fewer than FRAUD_MIN_POINTS_FOR_VERDICT points could be checked → `inconclusive`.
3. The issuer's record matched and the upload matches the original rendering → `authentic`
   (the strongest evidence we have; forensic warnings alone do not overturn it).
4. No issuer record (unknown issuer): at best `inconclusive` — we cannot vouch for a document
   nobody registered — and `suspicious` when the forensic layers say so (`fraudulent` only by a
   decisive finding, rule 1: evidence a person can check): by score,
   and at least `suspicious` when one of them has a critical finding (the printed name is not the
   one in the document's own QR code, an editor saved the file, a region has other compression).
5. Otherwise by score: ≥ FRAUD_AUTHENTIC_THRESHOLD `authentic`, < FRAUD_FRAUDULENT_THRESHOLD
   `fraudulent`, in between `suspicious`.

Then who the matched issuer is (`issuer`, the organization whose records the document matched):
6. A look-alike (its name resembles a verified organization's, organizations/lookalikes.py) →
   `fraudulent`, score capped at 20: its records are being passed off as the verified one's.
7. `authentic` needs an issuer whose identity is verified (`domain` or `reviewed`); an
   `unverified` one's document is at best `inconclusive`, the score left as computed and the
   reasons saying why. An `authentic` verdict names the domain or the review.

The score is shown only with a verdict it supports (`Outcome.shown_score`): an `inconclusive`
document has none, since "Inconclusive 100/100" reads as a judgement that was not made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from organizations.models import Organization, VerificationLevel

RAN = {"passed", "warning", "failed", "error"}
DECISIVE_CAP = 20.0
ORIGINAL_MATCH_CODES = {"original_match", "matches_original"}


@dataclass
class Outcome:
    score: float | None
    verdict: str
    earned: float
    possible: int
    reasons: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def shown_score(self) -> float | None:
        """The score to store and show: none for an inconclusive verdict (too few checks, or no
        issuer record to vouch for the document), where a number would mean nothing."""
        return None if self.verdict == "inconclusive" else self.score


def _decisive(results: list[dict]) -> list[str]:
    messages = [f["message"] for r in results for f in r["findings"] if f.get("decisive")]
    return list(dict.fromkeys(messages))  # two regions can produce the same sentence


def _critical(results: list[dict]) -> list[str]:
    messages = [f["message"] for r in results for f in r["findings"] if f.get("severity") == "critical"]
    return list(dict.fromkeys(messages))


def _original_matched(results: list[dict]) -> bool:
    registry = next((r for r in results if r["layer"] == "registry"), None)
    if registry is None or registry["status"] != "passed":
        return False
    return any(f["code"] in ORIGINAL_MATCH_CODES for f in registry["findings"])


def score(results: list[dict], *, issuer: Organization | None = None) -> Outcome:
    """The verdict on the layers' results, then on who the matched `issuer` is (rules 6 and 7)."""
    outcome = _score_document(results)
    if issuer is not None:
        _apply_issuer_identity(outcome, issuer)
    return outcome


def _score_document(results: list[dict]) -> Outcome:
    ran = [r for r in results if r["status"] in RAN]
    earned = sum(r["points"] for r in ran)
    possible = sum(r["max_points"] for r in ran)
    value = round(100.0 * earned / possible, 1) if possible else None
    outcome = Outcome(
        score=value,
        verdict="inconclusive",
        earned=earned,
        possible=possible,
        ran=[r["layer"] for r in ran],
        skipped=[r["layer"] for r in results if r["status"] == "skipped"],
        errors=[r["layer"] for r in results if r["status"] == "error"],
    )
    decisive = _decisive(results)
    registry_ran = any(r["layer"] == "registry" and r["status"] in RAN for r in results)
    if decisive:
        outcome.verdict = "fraudulent"
        outcome.score = min(value if value is not None else 0.0, DECISIVE_CAP)
        outcome.reasons = decisive
    elif possible < settings.FRAUD_MIN_POINTS_FOR_VERDICT or value is None:
        outcome.reasons = ["Too few checks could run to reach a verdict."]
    elif _original_matched(results):
        outcome.verdict = "authentic"
        outcome.reasons = ["The document matches the issuer's record and its original rendering."]
    elif not registry_ran:
        # Without an issuer's record, `fraudulent` needs evidence a person can check (a decisive
        # finding, rule 1); a low score alone says `suspicious`.
        outcome.verdict = _by_score(value, ceiling="inconclusive")
        if outcome.verdict == "fraudulent":
            outcome.verdict = "suspicious"
        outcome.reasons = [
            "The issuer is not registered with CertVerify, so its records could not be checked."
        ]
        critical = _critical(results)
        if critical and outcome.verdict == "inconclusive":
            outcome.verdict = "suspicious"
        if outcome.verdict != "inconclusive":
            outcome.reasons += critical
    else:
        outcome.verdict = _by_score(value)
    return outcome


def _apply_issuer_identity(outcome: Outcome, issuer: Organization) -> None:
    imitated = issuer.lookalike_of if issuer.lookalike_of_id else None
    if imitated is not None and imitated.is_verified:
        earlier = outcome.reasons if outcome.verdict == "fraudulent" else []
        outcome.verdict = "fraudulent"
        outcome.score = min(outcome.score if outcome.score is not None else 0.0, DECISIVE_CAP)
        outcome.reasons = [lookalike_reason(issuer, imitated), *earlier]
        return
    if outcome.verdict != "authentic":
        return
    level, domain = issuer.verification_level, issuer.verified_domain
    if level == VerificationLevel.UNVERIFIED:
        outcome.verdict = "inconclusive"
        outcome.reasons = [
            f"The document matches the records of '{issuer.name}', an organization whose identity "
            "CertVerify has not verified.",
            "A document is authentic only when its issuer has proved its domain or been reviewed "
            "by CertVerify, whatever its score.",
        ]
    elif level == VerificationLevel.REVIEWED:
        where = f"; its verified domain is {domain}" if domain else ""
        outcome.reasons.append(f"The issuer, '{issuer.name}', was reviewed by CertVerify{where}.")
    else:
        outcome.reasons.append(f"The issuer, '{issuer.name}', has a verified domain: {domain}.")


def lookalike_reason(issuer: Organization, imitated: Organization) -> str:
    domain = imitated.verified_domain or imitated.slug
    return (
        f"The document claims to be from {imitated.name} ({domain}) but its records belong to "
        f"another organization that uses a similar name ('{issuer.name}', registered as {issuer.slug})."
    )


def _by_score(value: float, ceiling: str = "authentic") -> str:
    if value < settings.FRAUD_FRAUDULENT_THRESHOLD:
        return "fraudulent"
    if value < settings.FRAUD_AUTHENTIC_THRESHOLD:
        return "suspicious"
    return ceiling
