"""Work on a PDF's first page (parsing its content, drawing it, reading its annotations), done in
a forked child process with a CPU-time and a wall-clock limit.

pdfium parses the whole content of a page when it loads it, and that work is not bounded by the
file's size: a 3 KB file whose page lists one 1 MB content stream a hundred times took 20 s to
load, a 15 MB one would take days, and nested form XObjects multiply further. pdfium cannot be
interrupted, so the page is loaded in a child: forked (the parent's modules are already loaded, no
interpreter start-up), stopped by the kernel past PAGE_CPU_SECONDS of CPU or PAGE_MEMORY_BYTES more
memory (that 15 MB page grew the process to 22 GB), and by the parent past PAGE_WALL_SECONDS.
Opening the document (the cross-reference table, the page tree) stays in the caller: its cost
grows only with the file.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import struct
import time
from collections.abc import Callable

from PIL import Image

PAGE_CPU_SECONDS = 10  # a certificate's page loads and draws in well under a second
PAGE_WALL_SECONDS = 30
PAGE_MEMORY_BYTES = 512 * 1024 * 1024  # above the parent's; a 600 dpi A4 scan decodes to ~100 MB
_SIZE = struct.Struct(">II")


class PdfPageError(ValueError):
    """The first page could not be read (a damaged PDF, or one too costly to read)."""


class PdfPageTooComplex(PdfPageError):
    """Reading the first page needed more than the limits allow (the child was stopped)."""


def render_first_page(data: bytes, *, scale: float, max_annotations: int) -> Image.Image:
    """Page 1 as RGB at `scale` (pixels per PDF point), its annotations drawn unless it has
    more than `max_annotations` (drawing each costs ~60 us; a page can list millions)."""

    def render() -> bytes:
        import pypdfium2 as pdfium

        page = pdfium.PdfDocument(data)[0]
        draw_annots = pdfium.raw.FPDFPage_GetAnnotCount(page) <= max_annotations
        image = page.render(scale=scale, draw_annots=draw_annots).to_pil().convert("RGB")
        return _SIZE.pack(*image.size) + image.tobytes()

    out = _in_child(render)
    width, height = _SIZE.unpack_from(out)
    return Image.frombytes("RGB", (width, height), out[_SIZE.size :])


def first_page_annotations(data: bytes, *, limit: int) -> dict:
    """{"height": page height in points, "count": annotations on the page, "annotations": the
    first `limit` of them as [subtype, [left, top, right, bottom] or None]}."""

    def read() -> bytes:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        page = pdfium.PdfDocument(data)[0]
        count = raw.FPDFPage_GetAnnotCount(page)
        annotations = []
        for i in range(min(count, limit)):
            annot = raw.FPDFPage_GetAnnot(page, i)
            rect = raw.FS_RECTF()
            has_rect = raw.FPDFAnnot_GetRect(annot, rect)
            box = [rect.left, rect.top, rect.right, rect.bottom] if has_rect else None
            annotations.append([raw.FPDFAnnot_GetSubtype(annot), box])
            raw.FPDFPage_CloseAnnot(annot)
        found = {"height": page.get_height(), "count": count, "annotations": annotations}
        return json.dumps(found).encode()

    return json.loads(_in_child(read))


def first_page_text(data: bytes, *, find: tuple[str, ...] = ()) -> dict:
    """{"text": page 1's text, "width"/"height" in points, "found": {s: [left, bottom, right, top]
    of the first place `s` is printed, or None}} (fraud/forensics/pdf_revisions.py)."""

    def read() -> bytes:
        import pypdfium2 as pdfium

        page = pdfium.PdfDocument(data)[0]
        textpage = page.get_textpage()
        found = {}
        for wanted in find:
            searcher = textpage.search(wanted, match_case=True)
            hit = searcher.get_next()
            found[wanted] = None
            if hit:
                boxes = [textpage.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])]
                found[wanted] = [min(b[0] for b in boxes), min(b[1] for b in boxes),
                                 max(b[2] for b in boxes), max(b[3] for b in boxes)]  # fmt: skip
        text = textpage.get_text_range()
        return json.dumps(
            {"text": text, "width": page.get_width(), "height": page.get_height(), "found": found}
        ).encode()

    return json.loads(_in_child(read))


def _in_child(work: Callable[[], bytes]) -> bytes:
    """What `work()` returns, computed in a forked child under the limits."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's clean-up
        status = 1
        try:
            os.close(read_end)
            _limit_self()
            out = work()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(out)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        out = _read_until(read_end, time.monotonic() + PAGE_WALL_SECONDS, pid)
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    # Killed, or aborted by pdfium when an allocation failed at the memory limit.
    if os.WIFSIGNALED(status):
        raise PdfPageTooComplex("the PDF's first page takes too much time or memory to read")
    if status != 0 or out is None:
        raise PdfPageError("the PDF's first page could not be read")
    return out


def _limit_self() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (PAGE_CPU_SECONDS, PAGE_CPU_SECONDS + 1))
    try:
        with open("/proc/self/statm") as statm:  # address space in use, in pages (Linux)
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    resource.setrlimit(resource.RLIMIT_AS, (in_use + PAGE_MEMORY_BYTES, in_use + PAGE_MEMORY_BYTES))


def _read_until(fd: int, deadline: float, pid: int) -> bytes | None:
    """All the child writes, or None after killing it at `deadline`."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not _readable(fd, remaining):
            os.kill(pid, signal.SIGKILL)
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _readable(fd: int, timeout: float) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    return bool(poller.poll(timeout * 1000))
