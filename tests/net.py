"""Loopback helpers for tests that run real servers (gunicorn, redis-server, anvil) or need a port
nothing listens on."""

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it once returned)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
