"""The npm verifiers of tests/interop/node, run as one node process that answers line by line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
REQUIRED = ("@digitalbazaar/vc", "@digitalcredentials/verifier-core")


def skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    missing = [name for name in REQUIRED if not (NODE_DIR / "node_modules" / name).is_dir()]
    if missing:
        return f"the interop verifiers are not installed (run bin/setup with npm available): {missing}"
    return None


class NodeVerifiers:
    def __init__(self):
        self.process = subprocess.Popen(
            ["node", str(NODE_DIR / "verify.mjs")],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the node verifier process ended"
        answer = json.loads(line)
        assert "crash" not in answer, answer["crash"]
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def node_verifiers():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    verifiers = NodeVerifiers()
    yield verifiers
    verifiers.close()
