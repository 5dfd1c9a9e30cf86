"""Building an anchor batch: the oldest unanchored certificates of all organizations, one Merkle tree
over their content hashes, and each certificate's path to the root written in bulk.

The chain side (signing, broadcasting, confirming) is in services.py."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from certificates.anchoring.merkle import MerkleTree, build_tree
from certificates.models import Anchor, Certificate

logger = logging.getLogger(__name__)


MAX_LEAVES = 10_000  # one run's batch when no limit is given; the task loops while batches are full


WRITE_CHUNK = 1_000  # rows per UPDATE statement (and per executemany run)


def anchor_pending(*, limit: int | None = None) -> Anchor | None:
    """Put up to `limit` (default MAX_LEAVES) unanchored certificates of all organizations into one
    new `pending` Anchor: Merkle root, leaf count and each certificate's proof. None if none wait."""
    for _ in range(2):  # a second try only after losing a race for the rows (see _store_batch)
        try:
            return _build_batch(limit or MAX_LEAVES)
        except _LostRace:
            logger.info("another anchoring run claimed some of the certificates first; trying again")
    return None


class _LostRace(Exception):
    pass


def _build_batch(limit: int) -> Anchor | None:
    with transaction.atomic():
        leaves = _lock_unanchored(limit)
        if not leaves:
            return None
        tree = build_tree([content_hash for _, content_hash in leaves])
        anchor = Anchor.objects.create(merkle_root=tree.root, leaf_count=len(leaves))
        if _store_batch(anchor, [pk for pk, _ in leaves], tree) != len(leaves):
            raise _LostRace  # rolls the whole batch back
    logger.info(
        "anchor %s built over %s certificates, root %s", anchor.pk, anchor.leaf_count, anchor.merkle_root
    )
    return anchor


def _lock_unanchored(limit: int) -> list[tuple[int, str]]:
    """(id, content_hash) of the oldest unanchored certificates, locked where the database can."""
    candidates = Certificate.objects.filter(anchor__isnull=True).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        # Concurrent runs take disjoint rows instead of queueing behind each other.
        candidates = candidates.select_for_update(skip_locked=True)
    return list(candidates.values_list("id", "content_hash")[:limit])


def _store_batch(anchor: Anchor, ids: list[int], tree: MerkleTree) -> int:
    """Set anchor and proof on each still-unanchored row; returns how many rows were written.

    Each row is written once (a separate claim would rewrite every row, its generated search column
    and its many indexes twice), WRITE_CHUNK rows per statement: an UPDATE ... FROM (VALUES ...) on
    PostgreSQL, executemany elsewhere (bulk_update's CASE over thousands of ids is quadratic).
    The `anchor IS NULL` condition is the claim where rows cannot be locked (SQLite serializes
    writers, but our SELECT ran before we held the write lock): a short count means we lost a race.
    """
    proof_field = Certificate._meta.get_field("merkle_proof")
    rows = [(pk, proof_field.get_db_prep_save(tree.proof(index), connection)) for index, pk in enumerate(ids)]
    write = _write_rows_postgresql if connection.vendor == "postgresql" else _write_rows_each
    with connection.cursor() as cursor:
        return sum(
            write(cursor, anchor.pk, rows[i : i + WRITE_CHUNK]) for i in range(0, len(rows), WRITE_CHUNK)
        )


def _names() -> tuple[str, str, str, str]:
    """Quoted table, id, anchor and proof column names of Certificate."""
    meta, quote = Certificate._meta, connection.ops.quote_name
    columns = (meta.pk.column, meta.get_field("anchor").column, meta.get_field("merkle_proof").column)
    return quote(meta.db_table), *(quote(column) for column in columns)


def _write_rows_postgresql(cursor, anchor_id: int, rows: list[tuple]) -> int:
    table, pk, anchor, proof = _names()
    values = ", ".join(["(%s, %s)"] * len(rows))
    cursor.execute(
        f"UPDATE {table} AS c SET {anchor} = %s, {proof} = v.proof::jsonb FROM (VALUES {values}) AS v(id, proof) "
        f"WHERE c.{pk} = v.id AND c.{anchor} IS NULL",
        [anchor_id, *(value for row in rows for value in row)],
    )
    return cursor.rowcount


def _write_rows_each(cursor, anchor_id: int, rows: list[tuple]) -> int:
    table, pk, anchor, proof = _names()
    cursor.executemany(
        f"UPDATE {table} SET {anchor} = %s, {proof} = %s WHERE {pk} = %s AND {anchor} IS NULL",
        [(anchor_id, proof_value, row_id) for row_id, proof_value in rows],
    )
    return cursor.rowcount
