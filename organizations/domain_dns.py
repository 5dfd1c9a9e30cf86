"""The TXT records at a name, through dnspython.

DOMAIN_PROOF_NAMESERVER ("host:port") sends the query to one server (tests: a stand-in on
loopback); empty, the system resolver's configuration is used.
"""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings


class DNSLookupError(Exception):
    """The lookup did not give an answer (as opposed to answering that there are no records)."""


def _resolver() -> dns.resolver.Resolver:
    nameserver = settings.DOMAIN_PROOF_NAMESERVER
    resolver = dns.resolver.Resolver(configure=not nameserver)
    if nameserver:
        host, _, port = nameserver.rpartition(":")
        resolver.nameservers = [host]
        resolver.port = int(port)
    resolver.lifetime = settings.DOMAIN_PROOF_TIMEOUT
    return resolver


def txt_records(name: str) -> list[str]:
    """Every TXT string at `name` (each record's strings joined); [] when there are none."""
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise DNSLookupError(f"The DNS lookup of {name} failed ({type(exc).__name__}).") from exc
    return [b"".join(record.strings).decode("utf-8", errors="replace") for record in answer]
