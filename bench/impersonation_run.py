"""The impersonation an outside review showed (issue L), run over HTTP against a fresh app.

    .venv/bin/python bench/impersonation_run.py [--app-dir DIR]

Starts the app from DIR (default: this checkout) on the embedded default with the demo data, a
local SMTP stand-in for its e-mail and a local web server for a domain proof, then, as a stranger
would: registers, confirms the e-mail, creates an organization named "Demo University" (slug
`demo-university-official`, and when that is refused, another slug), issues a certificate and
verifies the genuine image of it. Then an honest newcomer proves its domain (the well-known file
on the local web server) and does the same. Each request and the parts of each response that
matter are printed. Run it with --app-dir on a checkout from before issue L to see "before".
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.smtp_standin import SmtpStandIn  # noqa: E402

PASSWORD = "Impostor-pass-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    def __init__(self, base: str):
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body=None, *, files: dict | None = None, show=True) -> tuple:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, (filename, content, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if "://" in path:  # an API link is absolute, on the site's SITE_URL: call it on our base
            parts = urllib.parse.urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw
        if show:
            shown = f" {json.dumps(body)}" if body is not None else (" (multipart file)" if files else "")
            print(f"\n> {method} {path}{shown}\n< {status}")
        return status, payload


def show(payload, *keys) -> None:
    for key in keys:
        value = payload
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        print(f"  {key}: {json.dumps(value, default=str)}")


def wait_for(app: App, path: str) -> dict:
    for _ in range(240):
        status, body = app.call("GET", path, show=False)
        if status == 200 and body.get("status") in ("completed", "failed"):
            return body
        time.sleep(0.5)
    raise SystemExit(f"{path} did not finish")


def sign_up(app: App, smtp: SmtpStandIn, email: str, name: str) -> None:
    status, body = app.call(
        "POST", "/api/v1/auth/register/", {"email": email, "password": PASSWORD, "full_name": name}
    )
    for _ in range(60):
        mail = [m for m in smtp.messages if email in m.recipients]
        if mail:
            break
        time.sleep(0.25)
    token = re.search(r"verify-email/\?token=([\w:.\-=]+)", mail[-1].data.replace("=\r\n", "")).group(1)
    print("  (the confirmation e-mail reached the local SMTP stand-in; its token is posted back)")
    app.call("POST", "/api/v1/auth/verify-email/", {"token": token})
    status, body = app.call("POST", "/api/v1/auth/token/", {"email": email, "password": PASSWORD})
    app.token = body["access"]


def brief(body) -> str:
    return "  " + (json.dumps(body) if not isinstance(body, bytes) else body.decode(errors="replace"))[:700]


def create_organization(app: App, name: str, slugs: list[str], website: str) -> str:
    for slug in slugs:
        status, body = app.call(
            "POST", "/api/v1/organizations/", {"name": name, "slug": slug, "website": website}
        )
        print(brief(body))
        if status == 201:
            return body["slug"]
    raise SystemExit("no organization could be created")


def issue_and_verify(app: App, slug: str) -> dict:
    status, body = app.call(
        "POST",
        "/api/v1/certificates/",
        {
            "organization": slug,
            "recipient_name": "Jane Candidate",
            "title": "Bachelor of Science",
            "issue_date": "2026-06-30",
        },
    )
    show(body, "credential_id", "status")
    credential_id = body["credential_id"]
    image = b""
    for _ in range(120):
        try:
            with urllib.request.urlopen(
                f"{app.base}/verify/{credential_id}/image.png", timeout=60
            ) as response:
                image = response.read()
                break
        except urllib.error.HTTPError:
            time.sleep(0.5)
    print(f"\n  (the genuine image of {credential_id}: {len(image)} bytes, downloaded from its public page)")
    verifier = App(app.base)
    status, body = verifier.call(
        "POST", "/api/v1/verifications/", files={"file": (f"{credential_id}.png", image, "image/png")}
    )
    result = wait_for(verifier, body["status_url"])
    print(f"> GET {body['status_url']}  (polled until completed)")
    show(result, "verdict", "score", "reasons", "document", "credential.status", "issuer")
    return result


def serve_well_known(directory: Path) -> tuple[http.server.HTTPServer, int]:
    port = free_port()
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(directory), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app-dir", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    app_dir = Path(args.app_dir).resolve()
    python = str(Path(__file__).resolve().parent.parent / ".venv/bin/python")
    work = Path(tempfile.mkdtemp(prefix="impersonation-"))
    site = work / "site"
    (site / ".well-known").mkdir(parents=True)
    web, web_port = serve_well_known(site)
    with SmtpStandIn() as smtp:
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{work}/db.sqlite3",
            "MEDIA_ROOT": str(work / "media"),
            "EMAIL_URL": smtp.url,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "DOMAIN_PROOF_REQUIRE_HTTPS": "false",
            "DOMAIN_PROOF_ALLOW_LOOPBACK": "true",
        }
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [python, "manage.py", *command], cwd=app_dir, env=env, check=True, capture_output=True
            )
        server = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=app_dir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            app = App(f"http://127.0.0.1:{port}")
            for _ in range(120):
                try:
                    urllib.request.urlopen(app.base + "/health/live", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            commit = subprocess.run(
                ["git", "log", "-1", "--format=%h %s"], cwd=app_dir, capture_output=True, text=True
            ).stdout.strip()
            print(f"# The app at commit {commit[:90]}")
            print(
                "\n## 1. A stranger registers and names an organization after the demo's reviewed university"
            )
            sign_up(app, smtp, "registrar@demo-university-official.example", "Mallory Impostor")
            slug = create_organization(
                app,
                "Demo University",
                ["demo-university-official", "dmu-registry-office"],
                "https://demo-university-official.example",
            )
            print("\n## 2. It issues a certificate in that name, and anyone verifies the genuine image of it")
            issue_and_verify(app, slug)

            print("\n## 3. An honest newcomer proves its domain (the well-known file on a local web server)")
            honest = App(app.base)
            sign_up(honest, smtp, "registrar@riverside.example", "Rita Registrar")
            slug = create_organization(
                honest, "Riverside College", ["riverside-college"], "https://riverside.example"
            )
            domain = f"localhost:{web_port}"
            status, body = honest.call(
                "POST", f"/api/v1/organizations/{slug}/domain-verification/", {"domain": domain}
            )
            print(brief(body))
            if status in (200, 201):
                (site / ".well-known" / "certverify.txt").write_text(body["http"]["content"])
                status, body = honest.call("POST", f"/api/v1/organizations/{slug}/domain-verification/check/")
                print(brief(body))
                issue_and_verify(honest, slug)
        finally:
            server.terminate()
            server.wait(10)
            web.shutdown()


if __name__ == "__main__":
    main()
