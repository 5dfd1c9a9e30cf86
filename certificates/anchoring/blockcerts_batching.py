"""Blockcerts batches: the certificates that have no Blockcerts proof yet, one unprefixed tree over
their documents' hashes, one `Anchor` of kind `blockcerts` sent like any other (services.py signs,
broadcasts, confirms and re-prices it). Our own batches (batching.py) are not touched.

Documents are built and hashed before the write transaction (canonicalization is the slow part);
the one-to-one row per certificate is the claim, so two runs racing for a certificate cannot both
store it: the loser's whole batch rolls back and the next run picks up what is left.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from certificates.anchoring import blockcerts
from certificates.anchoring.services import batches_run
from certificates.models import Anchor, BlockcertsProof, Certificate

logger = logging.getLogger(__name__)

MAX_LEAVES = 2_000  # per Blockcerts batch; a document hashes in about 2 ms


def blockcerts_batch_pending(*, limit: int | None = None) -> Anchor | None:
    """Put up to `limit` certificates without a Blockcerts proof into one new `pending` Blockcerts
    anchor. None when none wait or another run claimed some of them first."""
    certificates = list(
        Certificate.objects.filter(blockcerts__isnull=True)
        .select_related("organization")
        .only(*DOCUMENT_FIELDS)
        .order_by("id")[: limit or MAX_LEAVES]
    )
    if not certificates:
        return None
    documents = [document_for(certificate) for certificate in certificates]
    hashes = [blockcerts.document_hash(document) for document in documents]
    tree = blockcerts.build_tree(hashes)
    try:
        with transaction.atomic():
            anchor = Anchor.objects.create(
                kind=Anchor.Kind.BLOCKCERTS, merkle_root=tree.root, leaf_count=len(certificates)
            )
            BlockcertsProof.objects.bulk_create(
                BlockcertsProof(
                    certificate=certificate,
                    anchor=anchor,
                    document=document,
                    target_hash=target_hash,
                    path=tree.path(index),
                )
                for index, (certificate, document, target_hash) in enumerate(
                    zip(certificates, documents, hashes, strict=True)
                )
            )
    except IntegrityError:
        logger.info("another run stored Blockcerts proofs for some of these certificates first")
        return None
    logger.info("Blockcerts anchor %s built over %s certificates, root %s", anchor.pk, len(hashes), tree.root)
    return anchor


DOCUMENT_FIELDS = (
    "id",
    "credential_id",
    "recipient_name",
    "title",
    "issue_date",
    "expiry_date",
    "grade",
    "content_hash",
    "organization__slug",
)


def document_for(certificate: Certificate) -> dict:
    """The certificate's Blockcerts document (unsigned), from fields fixed at issuance."""
    return blockcerts.unsigned_document(
        site_url=settings.SITE_URL,
        organization_slug=certificate.organization.slug,
        credential_id=certificate.credential_id,
        recipient_name=certificate.recipient_name,
        title=certificate.title,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        grade=certificate.grade,
        content_hash=certificate.content_hash,
    )


def blockcerts_run(*, max_batches: int = 5) -> dict:
    """The scheduled run: send Blockcerts anchors left `pending`, then build and send new batches
    while full ones keep coming."""
    return batches_run(
        Anchor.objects.filter(kind=Anchor.Kind.BLOCKCERTS, status=Anchor.Status.PENDING),
        blockcerts_batch_pending,
        max_leaves=MAX_LEAVES,
        max_batches=max_batches,
    )
