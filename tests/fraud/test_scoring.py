"""The verdict rules of fraud/scoring.py, one per test, on hand-made layer results."""

from __future__ import annotations

import pytest

from fraud.scoring import score

pytestmark = pytest.mark.usefixtures("thresholds")


@pytest.fixture
def thresholds(settings):
    settings.FRAUD_AUTHENTIC_THRESHOLD = 80
    settings.FRAUD_FRAUDULENT_THRESHOLD = 45
    settings.FRAUD_MIN_POINTS_FOR_VERDICT = 30


def finding(code="ok", message="Fine.", severity="info", decisive=False) -> dict:
    return {"code": code, "message": message, "severity": severity, "decisive": decisive}


def layer(name, status="passed", points=None, max_points=20, findings=()) -> dict:
    points = max_points if points is None and status == "passed" else (points or 0)
    return {
        "layer": name,
        "status": status,
        "points": points,
        "max_points": max_points,
        "findings": list(findings),
    }


def forensic(**overrides) -> list[dict]:
    layers = {"metadata": layer("metadata"), "ela": layer("ela"), "vision": layer("vision")}
    layers.update(overrides)
    return list(layers.values())


UNKNOWN = [layer("registry", "skipped"), layer("blockchain", "skipped", max_points=10)]


def test_a_decisive_finding_is_fraudulent_and_caps_the_score():
    results = forensic() + [
        layer("registry", "failed", 15, findings=[finding("revoked", "Revoked.", "critical", decisive=True)])
    ]

    outcome = score(results)

    assert outcome.verdict == "fraudulent" and outcome.score == 20 and outcome.reasons == ["Revoked."]


def test_a_match_with_the_original_rendering_is_authentic_despite_forensic_warnings():
    results = forensic(ela=layer("ela", "warning", 12)) + [
        layer("registry", findings=[finding("matches_original", "Matches.")])
    ]

    assert score(results).verdict == "authentic"


def test_a_layer_in_error_counts_as_run_and_earns_nothing():
    outcome = score(forensic(ela=layer("ela", "error")) + [layer("registry", "passed")])

    assert outcome.errors == ["ela"] and outcome.possible == 80 and outcome.earned == 60


def test_skipped_layers_are_left_out_of_the_score():
    outcome = score(forensic() + UNKNOWN)

    assert outcome.skipped == ["registry", "blockchain"] and outcome.score == 100


def test_too_little_checked_is_inconclusive():
    results = [layer("metadata", "passed", max_points=20)] + UNKNOWN

    assert score(results).verdict == "inconclusive"


def test_a_clean_unknown_issuer_document_is_at_best_inconclusive():
    assert score(forensic() + UNKNOWN).verdict == "inconclusive"


def test_a_critical_forensic_finding_makes_an_unknown_issuer_document_suspicious_even_at_a_high_score():
    mismatch = finding("vision_qr_name_mismatch", "The printed name is not the QR code's.", "critical")
    results = forensic(vision=layer("vision", "failed", 8, findings=[mismatch])) + UNKNOWN

    outcome = score(results)

    assert outcome.score == 80 and outcome.verdict == "suspicious"
    assert "The printed name is not the QR code's." in outcome.reasons


def test_a_warning_alone_leaves_an_unknown_issuer_document_inconclusive():
    note = finding("ela_noise", "Slightly uneven noise.", "warning")
    results = forensic(ela=layer("ela", "warning", 16, findings=[note])) + UNKNOWN

    assert score(results).verdict == "inconclusive"


def test_an_unknown_issuer_document_with_a_low_score_is_suspicious_not_fraudulent():
    # Without an issuer's record, `fraudulent` needs evidence a person can check (issue N).
    results = forensic(metadata=layer("metadata", "failed", 0), ela=layer("ela", "failed", 0)) + UNKNOWN

    assert score(results).verdict == "suspicious"


@pytest.mark.parametrize("points, verdict", [(20, "authentic"), (10, "suspicious"), (0, "fraudulent")])
def test_a_registry_record_without_the_original_rendering_goes_by_score(points, verdict):
    # Registry 20/20 but no original to compare; the other layers set the score.
    results = [
        layer("metadata", "passed" if points else "failed", points),
        layer("ela", "passed" if points == 20 else "failed", points),
        layer("vision", "passed" if points == 20 else "failed", points),
        layer("registry", "passed"),
    ]

    assert score(results).verdict == verdict
