"""Local OCR seconds per page (RapidOCR, onnxruntime on CPU), reading plus field parsing.

    .venv/bin/python bench/ocr_bench.py [--runs 5]

Pages: an A4-landscape certificate at 2000x1414 (a PNG export) and a 12 MP phone-photo-like
JPEG of one; both are reduced to `fraud.ocr.MAX_WIDTH` before recognition. The first call
(engine load) is reported separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ela_bench import machine_info  # noqa: E402
from fraud import ocr  # noqa: E402
from tests.fraud import images  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine_info())
    pages = {
        "png-2000x1414": images.render_certificate(),
        "photo-4240x2832": images.decode(
            images.jpeg(images.scan_like(images.render_certificate((4240, 2832))), 90)
        ),
    }
    started = time.perf_counter()
    ocr._get_engine()
    print(f"engine load: {time.perf_counter() - started:.2f} s (once per process)")
    for name, page in pages.items():
        walls, cpus, fields = [], [], {}
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            fields = ocr.parse_certificate_fields(ocr.ocr_text(page))
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        read_ok = fields.get("credential_id") == images.GENUINE["credential_id"]
        print(
            f"ocr {name}: median {statistics.median(walls):.2f} s/page wall, {statistics.median(cpus):.2f} s CPU "
            f"over {args.runs} runs; credential id read: {read_ok}"
        )


if __name__ == "__main__":
    main()
