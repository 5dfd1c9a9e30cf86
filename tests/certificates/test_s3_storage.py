"""Certificate files through django-storages against a local S3-protocol server (moto's server mode)."""

import urllib.request

import boto3
import pytest
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

from certificates.rendering.services import certificate_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_storage(settings):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket="certverify-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "certverify-test",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    storages._storages.pop("default", None)
    yield endpoint
    storages._storages.pop("default", None)
    server.stop()


def test_renderings_round_trip_through_s3_and_presigned_urls_serve_them(s3_storage, org, issuer):
    import datetime as dt

    from certificates.lifecycle.services import certificate_issue
    from organizations.access import Actor

    certificate = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
    )
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    with certificate.image.open("rb") as fh:
        png = fh.read()
    assert png.startswith(b"\x89PNG")
    assert certificate.image.storage.__class__.__name__ == "S3Storage"
    url = certificate.image.url
    assert url.startswith(s3_storage) and "Signature" in url
    with urllib.request.urlopen(url) as response:
        assert response.read() == png
