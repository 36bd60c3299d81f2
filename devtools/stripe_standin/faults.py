"""Switchable failures for fault tests: a Stripe 500, a response held past the client's timeout, a dropped connection."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from typing import Any

KINDS = ("500", "timeout", "drop")


@dataclass
class Fault:
    """`times` API requests in a row get this failure; `processed` says whether Stripe acted before failing."""

    kind: str
    times: int
    delay: float
    processed: bool


class FaultQueue:
    """Faults in the order they were set; each API request takes one from the first that has any left."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, kind: str, times: int = 1, delay: float = 5.0, processed: bool | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if times < 1 or delay < 0:
            raise ValueError("times must be at least 1 and delay not negative")
        with self._lock:
            self._faults.append(Fault(kind, times, delay, kind == "timeout" if processed is None else processed))

    def take(self) -> Fault | None:
        with self._lock:
            while self._faults and self._faults[0].times <= 0:
                self._faults.pop(0)
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            return Fault(fault.kind, 1, fault.delay, fault.processed)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(f.kind, f.times, f.delay, f.processed) for f in self._faults if f.times > 0]


def connection_socket(environ: dict[str, Any]) -> socket.socket | None:
    """The client's socket: set by stripe_standin.server, or found behind wsgiref's/http.server's input file."""
    sock = environ.get("stripe_standin.socket")
    if isinstance(sock, socket.socket):
        return sock
    raw = getattr(environ.get("wsgi.input"), "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def drop(environ: dict[str, Any]) -> bool:
    """Close the connection without a byte of response; False when the server hides its socket."""
    sock = connection_socket(environ)
    if sock is None:
        return False
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    return True
