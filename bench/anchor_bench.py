"""Time one anchoring round: Merkle tree over N content hashes, all proofs, one root transaction.

Run from the project root: ``python bench/anchor_bench.py [--leaves 10000] [--repeat 3]``.
The chain is the embedded in-process eth-tester chain (no settings needed); the printed figures
are the median of the repeats.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(fn: Callable[..., object], *args: object) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - started, value


def verify_all(hashes: list[str], proofs: list[list[dict]], root: str) -> bool:
    from certificates.anchoring.merkle import verify_proof

    return all(verify_proof(h, p, root) for h, p in zip(hashes, proofs, strict=True))


def machine_info() -> list[str]:
    return [
        f"platform: {platform.platform()}",
        f"python:   {platform.python_version()} ({platform.python_implementation()})",
        f"cpu:      {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs",
    ]


def main() -> None:
    from certificates.anchoring.chain import ChainClient
    from certificates.anchoring.merkle import build_tree

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    hashes = [hashlib.sha256(f"certificate-{i}".encode()).hexdigest() for i in range(args.leaves)]
    rows: dict[str, list[float]] = {
        "build tree": [],
        "all proofs": [],
        "verify all proofs": [],
        "sign + broadcast": [],
    }
    start_seconds, client = timed(ChainClient.embedded)
    for _ in range(args.repeat):
        seconds, tree = timed(build_tree, hashes)
        rows["build tree"].append(seconds)
        seconds, proofs = timed(tree.proofs)
        rows["all proofs"].append(seconds)
        seconds, ok = timed(verify_all, hashes, proofs, tree.root)
        assert ok, "a proof failed to verify"
        rows["verify all proofs"].append(seconds)
        seconds, signed = timed(client.send_root, tree.root)
        rows["sign + broadcast"].append(seconds)
        assert client.get_transaction_data(signed.tx_hash) == bytes.fromhex(tree.root)

    print(f"anchor bench: {args.leaves} leaves, median of {args.repeat} runs")
    for line in machine_info():
        print(f"  {line}")
    print(f"  {'embedded chain start':<22} {start_seconds * 1000:9.1f} ms (once per process)")
    for name, samples in rows.items():
        print(f"  {name:<22} {statistics.median(samples) * 1000:9.1f} ms")
    total = sum(statistics.median(samples) for name, samples in rows.items() if name != "verify all proofs")
    print(f"  {'round (tree+proofs+tx)':<22} {total * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
