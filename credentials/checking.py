"""Checking a verifiable credential from anyone: its signature (by the issuer's own key, found
through did:key or did:web), its validity dates and its status lists; for one of our issuers, the
registry as well. Findings are plain sentences for the person who uploaded it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings

from . import data_integrity, jsonld, status_lists
from .data_integrity import ProofError
from .did_web import ResolutionError, fetch_json, own_organization_slug, resolve
from .models import StatusList
from .multikey import MultikeyError, public_key_from_multibase

logger = logging.getLogger(__name__)
MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024
STATUS_LIST_CACHE_SECONDS = 60
MAX_STATUS_ENTRIES = 4  # each may be a fetch (5 s at worst) inside the upload's request
_OWN_CREDENTIAL_ID = re.compile(r"/verify/([^/]+)/$")
_OWN_STATUS_LIST = re.compile(r"^/organizations/([^/]+)/status/(revocation|suspension)/(\d+)$")


@dataclass
class CredentialCheck:
    """`signature_valid` None when it could not be checked; `status` as verification's credential
    status (valid, revoked, suspended, expired, unknown, or the registry's word for ours)."""

    signature_valid: bool | None = None
    status: str = "unknown"
    findings: list[str] = field(default_factory=list)
    issuer: str = ""
    issuer_name: str = ""
    own_organization_slug: str | None = None
    own_credential_id: str | None = None

    @property
    def verdict(self) -> str:
        if self.signature_valid is None:
            return "inconclusive"
        return "authentic" if self.signature_valid else "fraudulent"


def _issuer_of(document: dict) -> tuple[str, str]:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id") or ""), str(issuer.get("name") or "")
    return (issuer if isinstance(issuer, str) else ""), ""


def _contexts(document: dict) -> list:
    contexts = document.get("@context")
    return contexts if isinstance(contexts, list) else [contexts]


def _shape_problem(document: dict) -> str | None:
    contexts = _contexts(document)
    if not contexts or contexts[0] not in (jsonld.VC_V2, jsonld.VC_V1):
        return "This is not a W3C verifiable credential (its first @context is not the VC context)."
    unknown = [c for c in contexts if not isinstance(c, str) or not jsonld.known_context(c)]
    if unknown:
        return f"The credential uses a vocabulary we cannot read offline ({str(unknown[0])[:100]})."
    types = document.get("type")
    if "VerifiableCredential" not in (types if isinstance(types, list) else [types]):
        return "The credential does not say it is a VerifiableCredential."
    if not _issuer_of(document)[0]:
        return "The credential names no issuer."
    return None


def _find_method(did_document: dict, method: str) -> dict | None:
    did = did_document.get("id")
    for candidate in did_document.get("verificationMethod") or []:
        if not isinstance(candidate, dict):
            continue
        candidate_id = candidate.get("id", "")
        if candidate_id == method or (candidate_id.startswith("#") and f"{did}{candidate_id}" == method):
            return candidate
    return None


def _asserts(did_document: dict, method: str) -> bool:
    did = did_document.get("id")
    for entry in did_document.get("assertionMethod") or []:
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(entry_id, str) and (entry_id == method or f"{did}{entry_id}" == method):
            return True
    return False


def public_key_for_issuer(issuer: str):
    """`public_key_for` for data_integrity.verify: the key must be the issuer's, for assertions."""

    def public_key_for(method: str) -> bytes:
        controller = method.split("#", 1)[0]
        if controller != issuer:
            raise ProofError("The credential was signed with a key that does not belong to its issuer.")
        document = resolve(controller)
        entry = _find_method(document, method)
        if entry is None or not _asserts(document, method):
            raise ProofError("The issuer does not list the signing key as one it issues credentials with.")
        try:
            return public_key_from_multibase(entry.get("publicKeyMultibase"))
        except MultikeyError as exc:
            raise ProofError("The issuer's signing key is not an Ed25519 key.") from exc

    return public_key_for


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_dates(document: dict, check: CredentialCheck, now: datetime) -> None:
    valid_from = _parse_time(document.get("validFrom") or document.get("issuanceDate"))
    valid_until = _parse_time(document.get("validUntil") or document.get("expirationDate"))
    if valid_from and now < valid_from:
        check.findings.append(f"The credential is not valid before {valid_from:%Y-%m-%d}.")
        check.status = "unknown"
    elif valid_until and now > valid_until:
        check.findings.append(f"The credential expired on {valid_until:%Y-%m-%d}.")
        check.status = "expired"


def _status_list(url: str) -> dict:
    """The list credential: ours read locally, anyone else's fetched through the SSRF guard."""
    site = settings.SITE_URL
    if url.startswith(site):
        match = _OWN_STATUS_LIST.match(url[len(site) :])
        if match:
            from .selectors import status_list_credential

            try:
                return status_list_credential(match[1], match[2], int(match[3]))
            except Exception as exc:  # Http404
                raise ResolutionError("The status list the credential points to does not exist.") from exc
    return fetch_json(url, max_bytes=MAX_STATUS_LIST_BYTES, cache_seconds=STATUS_LIST_CACHE_SECONDS)


def _entry_status(entry: dict, issuer: str) -> str:
    """`revocation`/`suspension` when that bit is set, "" when not; raises ValueError/ResolutionError."""
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    if purpose not in StatusList.Purpose.values or not isinstance(url, str):
        raise ValueError(f"a status entry of purpose {purpose!r} we do not read")
    listed = _status_list(url)
    if _issuer_of(listed)[0] != issuer:
        raise ValueError("its status list is not signed by the same issuer")
    try:
        data_integrity.verify(listed, public_key_for=public_key_for_issuer(issuer))
    except ProofError as exc:
        raise ValueError(f"its status list's signature does not hold ({exc})") from exc
    subject = listed.get("credentialSubject") or {}
    if subject.get("statusPurpose") != purpose:
        raise ValueError("its status list is for another purpose")
    bits = status_lists.decode(subject.get("encodedList"))
    return purpose if status_lists.bit_set(bits, int(entry.get("statusListIndex"))) else ""


def _check_status(document: dict, check: CredentialCheck) -> None:
    entries = document.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    if len(entries) > MAX_STATUS_ENTRIES:
        check.findings.append(
            f"The credential has {len(entries)} status entries; we read at most {MAX_STATUS_ENTRIES}."
        )
        check.status = "unknown"
        return
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            check.findings.append("The credential has a kind of status we cannot read.")
            check.status = "unknown"
            continue
        try:
            set_purpose = _entry_status(entry, check.issuer)
        except (ValueError, TypeError, ResolutionError) as exc:
            check.findings.append(f"Its status could not be read: {exc}"[:300])
            check.status = "unknown"
            continue
        if set_purpose == "revocation":
            check.status = "revoked"
            check.findings.append("The issuer has revoked this credential (its revocation list says so).")
        elif set_purpose == "suspension" and check.status != "revoked":
            check.status = "suspended"
            check.findings.append("The issuer has suspended this credential (its suspension list says so).")


def _check_registry(document: dict, check: CredentialCheck) -> None:
    """One of our issuers: the registry must know the certificate, as that issuer's."""
    from certificates.api import normalize_credential_id
    from certificates.models import Certificate

    match = _OWN_CREDENTIAL_ID.search(str(document.get("id") or ""))
    credential_id = normalize_credential_id(match[1]) if match else ""
    certificate = (
        Certificate.objects.filter(
            credential_id=credential_id, organization__slug=check.own_organization_slug
        )
        .only("pk")
        .first()
        if credential_id
        else None
    )
    if certificate is None:
        check.findings.append("The issuer is registered here but has no record of this credential.")
        check.status = "not_found"
        return
    check.own_credential_id = credential_id


def check_credential(document: dict, *, now: datetime | None = None) -> CredentialCheck:
    """Check a parsed credential (never raises for bad input)."""
    try:
        return _check(document, now or datetime.now(UTC))
    except Exception:  # a JSON-LD processor meets inputs no test foresaw: no answer, not a 500
        logger.exception("credential check failed")
        check = CredentialCheck()
        check.findings.append("The credential could not be processed, so it could not be checked.")
        return check


def _check(document: dict, now: datetime) -> CredentialCheck:
    check = CredentialCheck()
    problem = _shape_problem(document) if isinstance(document, dict) else "The file is not a JSON object."
    if problem:
        check.findings.append(problem)
        return check
    check.issuer, check.issuer_name = _issuer_of(document)
    check.own_organization_slug = own_organization_slug(check.issuer)
    try:
        proof = data_integrity.verify(document, public_key_for=public_key_for_issuer(check.issuer))
    except ProofError as exc:
        check.signature_valid = False
        check.findings.append(str(exc))
        return check
    except ResolutionError as exc:
        check.findings.append(f"The issuer's signing key could not be found: {exc}"[:300])
        return check
    check.signature_valid = True
    check.status = "valid"
    check.findings.append(
        f"Signed by {check.issuer_name or check.issuer} ({proof.suite}); the content is unchanged."
    )
    _check_dates(document, check, now)
    _check_status(document, check)
    if check.own_organization_slug:
        _check_registry(document, check)
    return check
