"""Error level analysis cost per megapixel on a 12 MP JPEG (budget: <= 40 ms/MP, DESIGN.md §9).

    .venv/bin/python bench/ela_bench.py [--runs 7] [--size 4240x2832]

Times `ErrorLevelLayer.run` on an already decoded upload (stage 1 decodes the page for every
layer), wall clock and process CPU, median of several runs. CPU time is the steadier figure on
shared machines; with two BLAS threads it can exceed wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fraud.layers.base import LayerContext, Upload  # noqa: E402
from fraud.layers.ela import ErrorLevelLayer  # noqa: E402
from tests.fraud import images  # noqa: E402


def machine_info() -> str:
    import numpy

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"python {platform.python_version()}, numpy {numpy.__version__}, {os.cpu_count()} cores, "
        f"{cpu}, load {load:.2f}"
    )


def make_document(size: tuple[int, int], kind: str) -> bytes:
    page = images.render_certificate(size)
    if kind == "spliced":
        return images.spliced_jpeg(page)[0]
    return images.jpeg(page, quality=90)


def bench(data: bytes, runs: int) -> tuple[list[float], list[float], object]:
    layer = ErrorLevelLayer()
    upload = Upload(data, "image/jpeg")
    _ = upload.image  # decoded once, as in the pipeline's stage 1
    ctx = LayerContext("bench", datetime.now(UTC), upload=upload)
    layer.run(ctx)  # warm-up: imports, BLAS threads
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        result = layer.run(ctx)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls, cpus, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", default="4240x2832")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(machine_info())
    for kind in ("genuine", "spliced"):
        data = make_document(size, kind)
        megapixels = size[0] * size[1] / 1e6
        walls, cpus, result = bench(data, args.runs)
        wall_ms = statistics.median(walls) * 1000 / megapixels
        cpu_ms = statistics.median(cpus) * 1000 / megapixels
        print(
            f"ela {kind:8s} {size[0]}x{size[1]} ({megapixels:.1f} MP): median {wall_ms:.1f} ms/MP wall, "
            f"{cpu_ms:.1f} ms/MP CPU over {args.runs} runs; status {result.status}, "
            f"heat-map {len(result.artifacts['ela_heatmap']) // 1024} KiB"
        )


if __name__ == "__main__":
    main()
