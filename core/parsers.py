"""Request-body parsers with bounded work.

web3's py_ecc raises Python's recursion limit to 100,000 when it is imported, so the standard
JSON parser's recursion is no longer stopped by RecursionError but by the C stack: an anonymous
body of 100,000 "[" crashed the process. Every JSON body is therefore checked for nesting depth
with a linear scan before it is parsed.
"""

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64  # our payloads nest three or four levels; a credential document about ten
# A JSON string (escapes included) or one bracket. The alternatives cannot overlap, so one pass.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def json_depth_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `data` opens more than `limit` arrays or objects inside each other (linear time)."""
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than MAX_JSON_DEPTH (a 400, not a crash)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read()
        if json_depth_exceeds(data):
            raise ParseError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted.")
        return super().parse(io.BytesIO(data), media_type, parser_context)
