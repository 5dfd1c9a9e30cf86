"""Open Badges 3.0 baking: a credential carried inside the badge's PNG, in an `iTXt` chunk with
the keyword ``openbadgecredential`` (uncompressed, no language tag), placed before IEND."""

from __future__ import annotations

import json
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
MAX_CREDENTIAL_BYTES = 512 * 1024
MAX_CHUNKS = 20_000


class BakingError(ValueError):
    """Not a PNG, or its openbadgecredential chunk is malformed."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    offset, count = len(PNG_SIGNATURE), 0
    while offset + 12 <= len(png) and count < MAX_CHUNKS:
        length = struct.unpack(">I", png[offset : offset + 4])[0]
        kind = png[offset + 4 : offset + 8]
        yield offset, kind, png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        count += 1
        if kind == b"IEND":
            return


def bake(png: bytes, credential: dict) -> bytes:
    """The PNG with the credential in an iTXt chunk (any earlier one replaced)."""
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    itxt = _chunk(b"iTXt", KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text)
    out, end = bytearray(PNG_SIGNATURE), None
    for offset, kind, data in _chunks(png):
        if kind == b"IEND":
            end = offset
            break
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\x00"):
            continue
        out += png[offset : offset + 12 + len(data)]
    if end is None:
        raise BakingError("the PNG has no end chunk")
    return bytes(out + itxt + _chunk(b"IEND", b""))


def unbake(png: bytes) -> str | None:
    """The baked credential's text, or None when the PNG carries none."""
    for _offset, kind, data in _chunks(png):
        if kind != b"iTXt" or not data.startswith(KEYWORD + b"\x00"):
            continue
        rest = data[len(KEYWORD) + 1 :]
        if len(rest) < 2:
            raise BakingError("the openbadgecredential chunk is truncated")
        compressed, body = rest[0], rest[2:]
        _language, _, body = body.partition(b"\x00")
        _translated, _, body = body.partition(b"\x00")
        if compressed:
            inflater = zlib.decompressobj()
            body = inflater.decompress(body, MAX_CREDENTIAL_BYTES + 1)
        if len(body) > MAX_CREDENTIAL_BYTES:
            raise BakingError("the baked credential is too large")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BakingError("the baked credential is not UTF-8 text") from exc
    return None
