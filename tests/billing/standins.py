"""Local stand-ins for Stripe and Razorpay: a threaded HTTP server on loopback that answers the
few endpoints billing calls (through the official SDKs) and signs webhooks exactly as each
provider does (Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload"); X-Razorpay-Signature:
HMAC-SHA256(webhook secret, raw body))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):014d}"


def form_decode(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    out: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = out
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return out


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signed}"


def razorpay_signature(message: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class ProviderStandIn:
    """Both providers' APIs on one loopback port; `requests` records what the SDKs sent."""

    def __init__(self, *, stripe_key: str, razorpay_key: tuple[str, str]):
        self.stripe_key = stripe_key
        self.razorpay_key = razorpay_key
        self.sessions: dict[str, dict] = {}
        self.orders: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the API answers ------------------------------------------------------------------

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _html(self, html: str) -> None:
                data = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                standin.requests.append(("GET", self.path))
                if self.path.startswith("/c/pay/"):  # Stripe's hosted page: the payer pays and returns
                    session_id = self.path.rsplit("/", 1)[1]
                    standin.stripe_pay(session_id)
                    self.send_response(303)
                    self.send_header("Location", standin.sessions[session_id]["success_url"])
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if not standin._stripe_authorized(self.headers):
                    return self._reply(
                        401, {"error": {"type": "invalid_request_error", "message": "bad key"}}
                    )
                session = standin.sessions.get(self.path.removeprefix("/v1/checkout/sessions/"))
                if session is None:
                    return self._reply(
                        404, {"error": {"type": "invalid_request_error", "message": "No such session"}}
                    )
                return self._reply(200, session)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                standin.requests.append(("POST", self.path))
                if self.path == "/v1/checkout/embedded":  # Razorpay's hosted checkout: a pay button
                    form = dict(parse_qsl(body))
                    returned = standin.razorpay_pay(form["order_id"])
                    fields = "".join(
                        f'<input type="hidden" name="{k}" value="{v}">' for k, v in returned.items()
                    )
                    return self._html(
                        f'<form method="post" action="{form["callback_url"]}">{fields}'
                        f'<button type="submit">Pay {form["currency"]} {form["amount"]}</button></form>'
                    )
                if self.path == "/v1/checkout/sessions":
                    if not standin._stripe_authorized(self.headers):
                        return self._reply(
                            401, {"error": {"type": "invalid_request_error", "message": "bad key"}}
                        )
                    return self._reply(200, standin._session_create(form_decode(body)))
                if not standin._razorpay_authorized(self.headers):
                    return self._reply(
                        401, {"error": {"code": "BAD_REQUEST_ERROR", "description": "auth failed"}}
                    )
                if self.path == "/v1/orders":
                    return self._reply(200, standin._order_create(json.loads(body)))
                if self.path == "/v1/subscriptions":
                    data = json.loads(body)
                    sub = {"id": new_id("sub"), "entity": "subscription", "status": "created", **data}
                    sub["short_url"] = f"{standin.url}/pay/{sub['id']}"
                    return self._reply(200, sub)
                return self._reply(404, {"error": {"message": "unknown endpoint"}})

        return Handler

    def _stripe_authorized(self, headers) -> bool:
        return headers.get("Authorization") == f"Bearer {self.stripe_key}"

    def _razorpay_authorized(self, headers) -> bool:
        expected = base64.b64encode(":".join(self.razorpay_key).encode()).decode()
        return headers.get("Authorization") == f"Basic {expected}"

    def _session_create(self, params: dict) -> dict:
        session_id = new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "url": f"{self.url}/c/pay/{session_id}",
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "success_url": params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id),
            "amount_total": int(params["line_items"]["0"].get("price_data", {}).get("unit_amount", 0)),
            "currency": params["line_items"]["0"].get("price_data", {}).get("currency", "usd"),
            "subscription": None,
            "customer": None,
        }
        self.sessions[session_id] = session
        return session

    def _order_create(self, data: dict) -> dict:
        order = {"id": new_id("order"), "entity": "order", "status": "created", "amount_paid": 0, **data}
        self.orders[order["id"]] = order
        return order

    # --- the payer pays; the provider signs and sends events ------------------------------------

    def stripe_pay(self, session_id: str) -> None:
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="paid", subscription=new_id("sub"), customer=new_id("cus")
        )

    def stripe_event(self, type_: str, obj: dict, *, created: int | None = None) -> dict:
        return {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()) if created is None else created,
            "type": type_,
            "livemode": False,
            "data": {"object": obj},
        }

    def stripe_invoice(self, session_id: str, *, status: str, period_end: int) -> dict:
        session = self.sessions[session_id]
        return {
            "id": new_id("in"),
            "object": "invoice",
            "number": f"INV-{next(_ids):05d}",
            "status": status,
            "amount_paid": session["amount_total"] if status == "paid" else 0,
            "amount_due": session["amount_total"],
            "currency": session["currency"],
            "subscription": session["subscription"],
            "customer": session["customer"],
            "hosted_invoice_url": f"{self.url}/i/{session_id}",
            "lines": {"data": [{"period": {"start": period_end - 30 * 86400, "end": period_end}}]},
        }

    def razorpay_pay(self, order_id: str) -> dict:
        """What Razorpay posts back to the callback URL after a payment."""
        order = self.orders[order_id]
        order.update(status="paid", amount_paid=order["amount"])
        payment_id = new_id("pay")
        order["payment_id"] = payment_id
        message = f"{order_id}|{payment_id}".encode()
        return {
            "razorpay_order_id": order_id,
            "razorpay_payment_id": payment_id,
            "razorpay_signature": razorpay_signature(message, self.razorpay_key[1]),
        }

    def razorpay_event(self, type_: str, order_id: str, *, created: int | None = None) -> dict:
        order = self.orders[order_id]
        payment = {
            "id": order.get("payment_id") or new_id("pay"),
            "entity": "payment",
            "amount": order["amount"],
            "currency": order["currency"],
            "status": "captured" if type_ == "order.paid" else "failed",
            "order_id": order_id,
            "notes": order.get("notes", {}),
        }
        return {
            "entity": "event",
            "account_id": "acc_standin",
            "event": type_,
            "contains": ["payment", "order"],
            "payload": {"payment": {"entity": payment}, "order": {"entity": order}},
            "created_at": int(time.time()) if created is None else created,
        }
