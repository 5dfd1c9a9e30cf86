"""Org-scoped certificate search at 1M certificates: p95 of the list endpoint with ?q= (P7).

    .venv/bin/python bench/search_bench.py [--rows 1000000] [--queries 400]

The first run loads `--rows` certificates for the organization `bench-search` into the bench
database (`certverify_bench`) with one INSERT … SELECT over generate_series (names, e-mails and
titles drawn from skewed distributions; credential ids are real ones from
certificates.lifecycle.credential_ids; canonical_fields / content_hash / qr_text are placeholders, which
search never reads). Later runs reuse the rows. The generated `search_document` column and its
GIN index (certificates/migrations/0002) are maintained by PostgreSQL as in production.

Then a gunicorn (production settings) answers a fixed mix of searches one at a time (no queueing,
so each latency is one request's service time): GET /api/v1/certificates/?organization=…&q=…
with a JWT, i.e. tenancy scoping, the full-text match, the paginator's COUNT and the first page
of 25. The figure is the p95 wall time of the mix, measured at the client on loopback.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Server,
    figure_line,
    machine_info,
    percentile,
    setup_django,
)

ORG_SLUG = "bench-search"
SYLLABLES = (
    "ab ad al an ar as ba be bo da de di do el en er fa fe fi ga ge go ha he ho ka ke ki ko la le li "
    "lo ma me mi mo na ne ni no ol or pa pe ra re ri ro sa se si so ta te ti to va ve vi wa za ze"
).split()
FIRST_NAMES = (
    "Anna Ben Carla David Elena Farid Grace Hugo Ines Jonas Kemal Lara Marco Nadia Omar Paula Quinn "
    "Rosa Samir Tara Umar Vera Wei Xenia Yusuf Zoe Aisha Bruno Chloe Dmitri Eva Felix Greta Hana Ivan "
    "Julia Kai Lena Milan Nora Oskar Petra Rafael Sara Tomas Ugo Vanya Willem Yara Zara Adam Bea Cyril "
    "Dana Emil Fiona Gabriel Helga Igor Jana Karim Leila Mateo Nils Olga Pavel Rina Stefan Tilda"
).split()
SUBJECTS = (
    "Data Science|Welding|Nursing|Accounting|Marine Biology|Software Engineering|Early Childhood "
    "Education|Project Management|Electrical Installation|Pharmacy|Civil Engineering|Graphic Design|"
    "Supply Chain Management|Cyber Security|Public Health|Mechanical Engineering|Hospitality|Law|"
    "Architecture|Veterinary Nursing|Physiotherapy|Economics|Journalism|Renewable Energy|Plumbing|"
    "Music Performance|Forensic Science|Aviation Maintenance|Occupational Safety|Digital Marketing|"
    "Food Technology|Mathematics|History|Philosophy|Chemistry|Physics|Radiography|Dental Hygiene|"
    "Carpentry|Tourism"
).split("|")
DEGREES = [
    "Bachelor of Science in",
    "Master of Arts in",
    "Certificate in",
    "Diploma in",
    "Professional Certificate:",
    "Advanced Course in",
]
DOMAINS = ["example.org", "mail.example.com", "student.example.edu", "inbox.example.net"]


def org_and_user():
    from django.utils import timezone
    from http_cpu import EMAIL, prepare_fixtures

    from accounts.models import User
    from certificates.models import Anchor
    from certificates.signing.services import signing_key_current
    from organizations.models import Membership, Organization

    prepare_fixtures(0)  # the bench user
    org, _ = Organization.objects.get_or_create(
        slug=ORG_SLUG, defaults={"name": "Bench University of Large Registries", "country": "NL"}
    )
    user = User.objects.get(email=EMAIL)
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": "owner"})
    key = signing_key_current(organization=org)
    anchor, _ = Anchor.objects.get_or_create(
        merkle_root="b" * 64,
        defaults={"status": Anchor.Status.CONFIRMED, "chain_id": 31337, "confirmed_at": timezone.now()},
    )
    return org, user, key, anchor


def load_rows(org, key, anchor, rows: int) -> None:
    """INSERT … SELECT over generate_series; credential ids come in through a COPY'd temp table."""
    from django.db import connection

    from certificates.lifecycle.credential_ids import ALPHABET, _format, check_symbol

    rng = random.Random(rows)  # ids of the right shape and check character, fast (not secrets)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_certificate WHERE organization_id = %s", [org.pk])
        cursor.execute("CREATE TEMP TABLE bench_ids (n int PRIMARY KEY, credential_id text) ON COMMIT DROP")
    with connection.connection.cursor().copy("COPY bench_ids (n, credential_id) FROM STDIN") as copy:
        for n in range(1, rows + 1):
            data = "".join(rng.choices(ALPHABET, k=16))
            copy.write_row((n, _format(data, check_symbol(data))))
    print(f"  {rows} credential ids copied in {time.perf_counter() - started:.0f} s")
    sql = """
    INSERT INTO certificates_certificate (
        credential_id, external_id, recipient_name, recipient_email, title, issue_date, expiry_date,
        grade, metadata, status, status_reason, canonical_fields, content_hash, qr_text, image, pdf,
        phash, created_at, updated_at, anchor_id, organization_id, signing_key_id, merkle_proof)
    SELECT b.credential_id, 'ext-' || g.n,
           f.given || ' ' || l.surname,
           lower(f.given) || '.' || lower(l.surname) || mod(g.n, 997) || '@'
               || (%(domains)s::text[])[1 + mod(g.n, 4)],
           (%(degrees)s::text[])[1 + mod(g.n / 7, 6)] || ' '
               || (%(subjects)s::text[])[1 + floor(%(nsubjects)s * power(r.x, 1.5))::int],
           d.issued, CASE WHEN mod(g.n, 4) = 0 THEN d.issued + 1095 END,
           (ARRAY['', 'A', 'B', 'Merit', 'Distinction'])[1 + mod(g.n, 5)], '{}'::jsonb,
           CASE WHEN mod(g.n, 50) = 0 THEN 'revoked' ELSE 'issued' END, '',
           jsonb_build_object('bench', true), md5(g.n::text) || md5(b.credential_id), 'bench', '', '',
           '', now(), now(), %(anchor)s, %(org)s, %(key)s, '[]'::jsonb
    FROM generate_series(1, %(rows)s) AS g(n)
    JOIN bench_ids b ON b.n = g.n
    CROSS JOIN LATERAL (SELECT mod(abs(hashtextextended(g.n::text, 1)), 1000000) / 1000000.0 AS x,
                               mod(abs(hashtextextended(g.n::text, 2)), 1000000) / 1000000.0 AS y,
                               mod(abs(hashtextextended(g.n::text, 3)), 1000000) / 1000000.0 AS z) r
    CROSS JOIN LATERAL (SELECT (%(first)s::text[])[1 + floor(r.y * %(nfirst)s)::int] AS given) f
    CROSS JOIN LATERAL (SELECT initcap((%(syl)s::text[])[1 + floor(%(nsyl)s * power(r.z, 2))::int]
                               || (%(syl)s::text[])[1 + mod(g.n / 3, %(nsyl)s)]
                               || (ARRAY['', 'er', 'son', 'ic', 'ova', 'ez'])[1 + mod(g.n / 11, 6)]) AS surname) l
    CROSS JOIN LATERAL (SELECT DATE '2012-01-01' + mod(g.n, 5000) AS issued) d
    """
    params = {
        "domains": DOMAINS,
        "degrees": DEGREES,
        "subjects": SUBJECTS,
        "nsubjects": len(SUBJECTS),
        "first": FIRST_NAMES,
        "nfirst": len(FIRST_NAMES),
        "syl": SYLLABLES,
        "nsyl": len(SYLLABLES),
        "anchor": anchor.pk,
        "org": org.pk,
        "key": key.pk,
        "rows": rows,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(sql, params)
    print(f"  {rows} certificates inserted in {time.perf_counter() - started:.0f} s")


def ensure_rows(rows: int):
    from django.db import connection, transaction

    from certificates.models import Certificate

    org, user, key, anchor = org_and_user()
    have = Certificate.objects.filter(organization=org).count()
    if have != rows:
        print(f"  loading {rows} rows into {ORG_SLUG} (had {have}) ...")
        with transaction.atomic():
            load_rows(org, key, anchor, rows)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE certificates_certificate")
    return org, user


def query_mix(org, n: int, seed: int = 11) -> list[tuple[str, str]]:
    """(kind, q) pairs: what staff type into the search box, weighted by how often they do."""
    from certificates.models import Certificate

    rng = random.Random(seed)
    total = Certificate.objects.filter(organization=org).count()
    ids = Certificate.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    first_id = ids.first()
    picks = [first_id + rng.randrange(total) for _ in range(n)]
    people = dict(
        (pk, (name, email, cid, title))
        for pk, name, email, cid, title in Certificate.objects.filter(pk__in=picks).values_list(
            "pk", "recipient_name", "recipient_email", "credential_id", "title"
        )
    )
    kinds = [
        ("full name", 30),
        ("last name", 20),
        ("name prefix", 10),
        ("e-mail", 15),
        ("credential id", 10),
        ("title word", 10),
        ("title + first name", 5),
    ]
    mix = []
    for pk in picks:
        if pk not in people:
            continue
        name, email, cid, title = people[pk]
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        first, last = name.split(" ", 1)
        subject = title.split(" ")[-1]
        q = {
            "full name": name,
            "last name": last,
            "name prefix": last[:4].lower(),
            "e-mail": email,
            "credential id": cid,
            "title word": subject,
            "title + first name": f"{subject} {first}",
        }[kind]
        mix.append((kind, q))
    return mix


def run(rows: int, queries: int) -> dict:
    setup_django()
    from urllib.parse import urlencode

    from rest_framework_simplejwt.tokens import AccessToken

    org, user = ensure_rows(rows)
    mix = query_mix(org, queries)
    latencies: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    with Server(workers=2, threads=4) as server:
        host, port = server.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        token = str(AccessToken.for_user(user))
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.250.0.1"}

        def get(q: str) -> tuple[float, dict]:
            path = "/api/v1/certificates/?" + urlencode({"organization": ORG_SLUG, "q": q})
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
            return elapsed, json.loads(body)

        for _kind, q in mix[:20]:  # warm both workers' code paths and connections
            get(q)
        for kind, q in mix:
            elapsed, body = get(q)
            latencies[kind].append(elapsed)
            latencies["all"].append(elapsed)
            counts[kind].append(body["count"])
        conn.close()
    return {"latencies": latencies, "counts": counts, "rows": rows}


def report(data: dict) -> list[str]:
    lat, counts = data["latencies"], data["counts"]
    print()
    print(f"machine: {machine_info()}")
    print(f"{data['rows']} certificates in {ORG_SLUG}; one connection, requests one at a time")
    print(
        f"{'query kind':22s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'median matches':>15s}"
    )
    for kind, values in sorted(lat.items(), key=lambda kv: kv[0] != "all"):
        matches = sorted(counts[kind])[len(counts[kind]) // 2] if kind in counts else ""
        print(
            f"{kind:22s} {len(values):4d} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
            f"{max(values):8.1f} {matches!s:>15s}"
        )
    p95 = percentile(lat["all"], 95)
    return [
        figure_line(
            "P7",
            f"org-scoped search p95 at {data['rows'] // 1000}k certificates",
            f"{p95:.1f} ms",
            "≤ 50 ms",
            p95 <= 50,
            f"list endpoint with JWT, mix of {len(lat['all'])} searches; p50 {percentile(lat['all'], 50):.1f} ms",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    data = run(args.rows, args.queries)
    for line in report(data):
        print(line)


if __name__ == "__main__":
    main()
