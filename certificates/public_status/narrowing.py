"""Apps above certificates may narrow what a certificate's public record says (a holder can hide
their certificate's page: holders). They register at ready(); the record is narrowed where it is
built, before it is cached, so the status API, the id check and the cache all say the same."""

from __future__ import annotations

from collections.abc import Callable

Narrower = Callable[[int, dict], dict]  # (certificate id, record) -> the record as the public sees it
_narrowers: list[Narrower] = []


def register(narrower: Narrower) -> None:
    if narrower not in _narrowers:
        _narrowers.append(narrower)


def narrowed(certificate_id: int, record: dict) -> dict:
    for narrower in _narrowers:
        record = narrower(certificate_id, record)
    return record
