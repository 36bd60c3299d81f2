"""Netlify's per-client rate limit on the /api/* proxy rule, with the numbers devtools/deploy/redirects.py writes."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from devtools.deploy.redirects import RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS
from devtools.devserver.security import security_headers


class RateLimit:
    """A sliding window (Netlify's algorithm for rules in code): at most `limit` requests per client in any
    `window` seconds. Refused requests are not counted, so a client that waits is let through again."""

    def __init__(
        self,
        limit: int = RATE_LIMIT_REQUESTS,
        window: float = RATE_LIMIT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        if limit < 1:
            raise ValueError("a rate limit allows at least 1 request per window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float | None:
        """Count one request from `client`; None lets it through, else the seconds until one would be."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return times[0] + self.window - now
            times.append(now)
            return None


def too_many_requests(start_response: Callable[..., object], retry_after: float) -> Iterable[bytes]:
    """What Netlify answers past the limit (status 429) without calling the function, plus when to try again."""
    body = b"Too many requests from your address. Please wait a minute and try again.\n"
    content_type = "text/plain; charset=utf-8"
    start_response(
        "429 Too Many Requests",
        [
            *security_headers(content_type),  # as every answer of the function carries (no-store among them)
            ("Retry-After", str(max(1, math.ceil(retry_after)))),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
