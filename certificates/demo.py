"""Sample certificates for `manage.py seed_demo`."""

import datetime as dt

from certificates.lifecycle.services import certificate_issue, certificate_revoke
from organizations.access import Actor
from organizations.models import Membership
from organizations.roles import Role

SAMPLES = [
    ("Ada Lovelace", "MSc Computer Science", "A", dt.date(2025, 7, 1), None),
    ("José Müller", "Certified Data Engineer", "Distinction", dt.date(2026, 3, 14), dt.date(2029, 3, 14)),
    ("Grace Hopper", "Compiler Construction (advanced)", "1.0", dt.date(2026, 1, 20), None),
    ("Alan Turing", "Introduction to Cryptography", "Pass", dt.date(2024, 6, 30), dt.date(2025, 6, 30)),
    ("Katherine Johnson", "Orbital Mechanics", "A+", dt.date(2026, 5, 2), None),
]


def seed_certificates(organization) -> int:
    owner = (
        Membership.objects.filter(organization=organization, role=Role.OWNER).select_related("user").first()
    )
    actor = Actor(user=owner.user if owner else None)
    issued = []
    for index, (name, title, grade, issued_on, expires) in enumerate(SAMPLES):
        issued.append(
            certificate_issue(
                actor=actor,
                organization=organization,
                recipient_name=name,
                title=title,
                grade=grade,
                issue_date=issued_on,
                expiry_date=expires,
                external_id=f"demo-{index + 1}",
                recipient_email=f"{name.split()[0].lower()}@students.example",
            )
        )
    demo_revoked = issued[2]
    if demo_revoked.status == "issued":
        certificate_revoke(actor=actor, certificate=demo_revoked, reason="Issued in error (demo)")
    return len(issued)


def anchor_demo_certificates() -> dict | None:
    """Anchor the demo's certificates now (see certificates/anchoring/embedded.py)."""
    from certificates.anchoring.embedded import anchor_now_on_embedded_chain

    return anchor_now_on_embedded_chain()
