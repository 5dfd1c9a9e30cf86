"""A local SMTP server for tests: speaks enough of RFC 5321 for Django's SMTP backend (EHLO/HELO,
MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps what it receives, and can be slow on purpose."""

from __future__ import annotations

import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class SmtpStandIn:
    delay: float = 0.0  # seconds to wait before accepting each message (a slow mail server)
    messages: list[Received] = field(default_factory=list)

    def __enter__(self) -> SmtpStandIn:
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self) -> None:
                self.reply("220 standin ESMTP")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 standin")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        body = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            body.append(chunk.decode(errors="replace"))
                        time.sleep(standin.delay)
                        standin.messages.append(Received(sender, recipients, "".join(body)))
                        self.reply("250 OK: queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self._server.server_address[1]}"

    def wait_for_message(self, timeout: float = 30) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.messages:
                return self.messages[0]
            time.sleep(0.1)
        raise AssertionError("no message reached the SMTP stand-in")
