import datetime as dt
import hashlib
import json

import pytest

from certificates.lifecycle.credential_ids import check_symbol
from certificates.lifecycle.hashing import canonical_fields, content_hash

CREDENTIAL_ID = f"CV-7KQ2-M9XD-4HPA-T3BN-{check_symbol('7KQ2M9XD4HPAT3BN')}"
OTHER_ID = f"CV-7KQ2-M9XD-4HPA-T3BM-{check_symbol('7KQ2M9XD4HPAT3BM')}"

BASE = dict(
    credential_id=CREDENTIAL_ID,
    organization_slug="acme-academy",
    recipient_name="José Álvarez",
    recipient_email="jose@example.org",
    title="Data Analytics Fundamentals",
    issue_date=dt.date(2025, 1, 15),
    expiry_date=dt.date(2028, 1, 15),
    grade="A",
    metadata={"credits": 5, "honours": True},
)


def _hash(**changes) -> str:
    return content_hash(canonical_fields(**{**BASE, **changes}))


def test_hash_is_sha256_of_the_documented_canonical_json():
    fields = canonical_fields(**BASE)
    expected = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert content_hash(fields) == expected
    assert len(expected) == 64


def test_canonical_fields_have_a_schema_version_and_iso_dates():
    fields = canonical_fields(**BASE)
    assert fields == {
        "v": 1,
        "credential_id": CREDENTIAL_ID,
        "organization": "acme-academy",
        "recipient_name": "José Álvarez",
        "recipient_email": "jose@example.org",
        "title": "Data Analytics Fundamentals",
        "issue_date": "2025-01-15",
        "expiry_date": "2028-01-15",
        "grade": "A",
        "metadata": {"credits": 5, "honours": True},
    }


def test_hash_is_the_same_for_equal_content_written_differently():
    decomposed = "Jose\u0301 A\u0301lvarez"  # combining accents (NFD) instead of precomposed letters
    variants = dict(
        credential_id=CREDENTIAL_ID.lower().replace("-", " "),
        organization_slug=" ACME-Academy ",
        recipient_name=f"  {decomposed}\u00a0 ",
        recipient_email=" JOSE@Example.ORG ",
        title="Data   Analytics\tFundamentals\n",
        issue_date="2025-01-15",
        expiry_date=" 2028-01-15 ",
        grade=" A ",
        metadata={"honours": True, "credits": 5},  # other key order
    )
    assert _hash(**variants) == _hash()


def test_missing_and_blank_optional_values_hash_alike():
    assert _hash(expiry_date=None, grade=None, recipient_email=None, metadata=None) == _hash(
        expiry_date="", grade="  ", recipient_email="", metadata={}
    )
    assert canonical_fields(**{**BASE, "expiry_date": None})["expiry_date"] is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("credential_id", OTHER_ID),
        ("organization_slug", "other-academy"),
        ("recipient_name", "José Alvarez"),
        ("recipient_email", "jose@example.com"),
        ("title", "Data Analytics Advanced"),
        ("issue_date", dt.date(2025, 1, 16)),
        ("expiry_date", dt.date(2028, 1, 16)),
        ("expiry_date", None),
        ("grade", "B"),
        ("grade", None),
        ("metadata", {"credits": 6, "honours": True}),
        ("metadata", {"credits": 5, "honours": True, "note": "x"}),
        ("metadata", {}),
    ],
)
def test_hash_changes_when_any_defining_field_changes(field, value):
    assert _hash(**{field: value}) != _hash()


def test_metadata_strings_and_nested_values_are_normalized():
    a = _hash(metadata={"modules": ["Intro  to SQL", {"name": "Cafe\u0301"}], "on": dt.date(2025, 2, 1)})
    b = _hash(metadata={"modules": ["Intro to SQL", {"name": "Café"}], "on": "2025-02-01"})
    assert a == b


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"credential_id": "CV-NOT-AN-ID"}, "credential_id"),
        ({"credential_id": CREDENTIAL_ID[:-1] + ("0" if CREDENTIAL_ID[-1] != "0" else "1")}, "credential_id"),
        ({"issue_date": None}, "issue_date"),
        ({"issue_date": "15/01/2025"}, "issue_date"),
        ({"recipient_name": "   "}, "recipient_name"),
        ({"title": ""}, "title"),
        ({"metadata": {"score": float("nan")}}, "metadata.score"),
    ],
)
def test_invalid_input_is_refused_with_the_field_named(changes, message):
    with pytest.raises(ValueError, match=message):
        canonical_fields(**{**BASE, **changes})


@pytest.mark.parametrize(
    "changes",
    [{"issue_date": dt.datetime(2025, 1, 15, 12, 0)}, {"metadata": {"amount": object()}}],
)
def test_values_without_a_single_json_form_are_refused(changes):
    with pytest.raises(TypeError):
        canonical_fields(**{**BASE, **changes})
