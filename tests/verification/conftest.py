import datetime as dt
import io

import pytest
from PIL import Image

from certificates.lifecycle.services import certificate_issue
from certificates.rendering.services import certificate_render
from organizations.access import Actor


@pytest.fixture
def certificate(org, issuer):
    cert = certificate_issue(
        actor=Actor(user=issuer),
        organization=org,
        recipient_name="Ada Lovelace",
        title="MSc Computer Science",
        issue_date=dt.date(2026, 6, 30),
        grade="A",
        recipient_email="ada@example.com",
    )
    return certificate_render(certificate=cert)


def png_of(certificate) -> bytes:
    with certificate.image.open("rb") as fh:
        return fh.read()


def as_jpeg(png: bytes, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
