from datetime import UTC, datetime, timedelta

import pytest

from fraud.layers.base import GeoHistory, LayerContext
from fraud.layers.geo import GeoLayer, country_for_ip

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
US_IP, DE_IP, FR_IP, JP_IP = "8.8.8.8", "46.4.0.1", "90.0.0.1", "133.0.0.1"


def run(client_ip: str | None = US_IP, **history):
    ctx = LayerContext(verification_id="v1", now=NOW, client_ip=client_ip, geo=GeoHistory(**history))
    return GeoLayer().run(ctx)


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        (US_IP, "US"),
        (DE_IP, "DE"),
        (FR_IP, "FR"),
        (JP_IP, "JP"),
        ("2a01:4f8::1", "DE"),
        ("::ffff:8.8.8.8", "US"),
    ],
)
def test_country_for_ip_resolves_public_addresses_offline(ip, country):
    assert country_for_ip(ip) == country


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "192.168.1.20",
        "127.0.0.1",
        "::1",
        "fe80::1",
        "169.254.1.1",
        "100.64.0.1",
        "not an ip",
        "",
        None,
    ],
)
def test_country_for_ip_is_none_for_private_and_invalid_addresses(ip):
    assert country_for_ip(ip) is None


def test_ordinary_verification_from_a_public_address_passes_with_its_country():
    result = run(US_IP, same_certificate=[("US", ago(hours=2))], client_recent_total=2)

    assert result.status == "passed"
    assert result.points == 10
    assert result.details["country"] == "US"
    assert codes(result) == ["country"]
    assert "US" in result.findings[0].message


@pytest.mark.parametrize(
    "ip",
    [
        "10.1.2.3",
        "172.16.5.4",
        "192.168.0.10",
        "127.0.0.1",
        "::1",
        "fe80::1",
        "169.254.10.10",
        "0.0.0.0",
        "240.0.0.1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_skipped_not_penalized(ip):
    result = run(ip, client_recent_failed=10)

    assert result.status == "skipped"
    assert result.points == 0
    assert codes(result) == ["private_address"]


@pytest.mark.parametrize("ip", [None, ""])
def test_unknown_client_address_is_skipped(ip):
    result = run(ip)

    assert result.status == "skipped"
    assert codes(result) == ["no_client_ip"]


def test_certificate_checked_from_three_countries_within_a_day_is_flagged():
    history = [("DE", ago(hours=3)), ("FR", ago(hours=20)), ("DE", ago(hours=1))]

    result = run(US_IP, same_certificate=history)

    assert result.status == "warning"
    assert result.points == 5
    velocity = next(f for f in result.findings if f.code == "velocity")
    assert velocity.severity == "warning" and not velocity.decisive
    assert "3 different countries (DE, FR, US)" in velocity.message
    assert result.details["same_certificate_countries"] == ["DE", "FR", "US"]


def test_verifications_outside_the_window_do_not_count_towards_velocity():
    history = [("DE", ago(hours=3)), ("FR", ago(days=3)), ("JP", ago(days=10))]

    result = run(US_IP, same_certificate=history)

    assert result.status == "passed"
    assert result.details["same_certificate_countries"] == ["DE", "US"]


def test_two_countries_and_unknown_countries_are_not_velocity():
    result = run(US_IP, same_certificate=[("DE", ago(hours=1)), (None, ago(hours=2)), ("US", ago(minutes=5))])

    assert "velocity" not in codes(result)


def test_burst_of_failed_verifications_from_one_client_is_flagged():
    result = run(US_IP, client_recent_total=5, client_recent_failed=4)

    assert result.status == "warning"
    assert result.points == 7
    burst = next(f for f in result.findings if f.code == "failed_burst")
    assert burst.message.startswith("4 of this requester's last 5 verifications failed or were flagged")


def test_many_distinct_credential_ids_from_one_client_look_like_enumeration():
    result = run(US_IP, client_recent_total=40, client_distinct_credentials=35)

    assert result.status == "warning"
    assert "enumeration" in codes(result)
    assert "35 different certificates" in next(f.message for f in result.findings if f.code == "enumeration")


def test_all_signals_together_floor_the_points_at_zero():
    history = [("DE", ago(hours=1)), ("FR", ago(hours=2))]

    result = run(
        JP_IP,
        same_certificate=history,
        client_recent_total=30,
        client_recent_failed=12,
        client_distinct_credentials=25,
    )

    assert result.points == 0
    assert set(codes(result)) == {"country", "velocity", "failed_burst", "enumeration"}
    assert not any(f.decisive for f in result.findings)


def test_naive_history_timestamps_are_tolerated():
    naive = (NOW - timedelta(hours=1)).replace(tzinfo=None)

    result = run(US_IP, same_certificate=[("DE", naive), ("FR", naive)])

    assert "velocity" in codes(result)
