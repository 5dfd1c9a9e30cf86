"""Usage is visible: the API's current month and 12 months, the portal's bars and SVG chart."""

import pytest

from billing.usage import usage_reserve
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db


def test_the_usage_api_shows_this_month_against_the_limits_and_twelve_months(on_free, viewer):
    usage_reserve(on_free, "certificates", 2)
    body = auth_client(viewer).get(f"/api/v1/organizations/{on_free.slug}/usage/").json()
    assert body["plan"]["code"] == "free"
    certificates = next(row for row in body["current"] if row["metric"] == "certificates")
    assert (certificates["used"], certificates["limit"], certificates["percent"]) == (2, 3, 67)
    assert len(body["history"]) == 12 and body["history"][-1]["certificates"] == 2
    assert body["history"][-1]["month"] == body["month"]


def test_an_outsider_gets_404_for_another_organizations_usage(on_free, outsider):
    assert auth_client(outsider).get(f"/api/v1/organizations/{on_free.slug}/usage/").status_code == 404


def test_the_usage_page_draws_bars_and_a_chart_without_script(client, on_free, viewer):
    usage_reserve(on_free, "certificates", 3)
    client.force_login(viewer)
    response = client.get("/portal/billing/usage/")
    page = response.content.decode()
    assert '<progress class="progress progress--full" max="3" value="3"' in page
    assert (
        'id="usage-chart"' in page and "<script" not in page.split('id="usage-chart"')[1].split("</svg>")[0]
    )
    assert "script-src 'self'" in response["Content-Security-Policy"]
