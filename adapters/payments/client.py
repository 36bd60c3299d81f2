"""Making the Stripe client and turning the SDK's errors into something a visitor can act on.

`stripe` is imported inside these functions, never at module level, so an invalid booking is
answered without loading the SDK.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import stripe


class StripeSettings(Protocol):
    """What the client needs of the function's (or the back office's) settings."""

    @property
    def stripe_secret_key(self) -> str: ...

    @property
    def stripe_api_base(self) -> str | None: ...

    @property
    def stripe_max_network_retries(self) -> int: ...

    @property
    def stripe_timeout_seconds(self) -> float: ...


log = logging.getLogger("booking.adapters.payments")


class StripeUnavailable(Exception):
    """Stripe could not do what we asked; `status` is 502 or 503 and `message` is for the visitor."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


def client(settings: StripeSettings) -> stripe.StripeClient:
    """The client for these settings, made once per warm Lambda: it keeps its HTTP session (and, against
    the real Stripe, its TLS connection) from one booking to the next."""
    return _client(
        settings.stripe_secret_key,
        settings.stripe_api_base,
        settings.stripe_max_network_retries,
        settings.stripe_timeout_seconds,
    )


@lru_cache(maxsize=8)
def _client(key: str, api_base: str | None, retries: int, timeout: float) -> stripe.StripeClient:
    import stripe

    # The SDK's INFO lines quote each request's URL, and a list by e-mail (subject access) puts the address in
    # it: nothing personal in logs, so only its warnings and errors are let through.
    logging.getLogger("stripe").setLevel(logging.WARNING)
    # Nor does Stripe need to hear about our machine: without this the SDK sends each request's latency and a
    # description of the host with the next, and finds the latter by running `uname -p` in a child process on
    # the first request of every cold start.
    stripe.enable_telemetry = False
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        key,
        base_addresses=base,  # type: ignore[arg-type]  # the SDK's BaseAddresses TypedDict is private to it
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),  # one requests.Session per thread
    )


def unavailable(exc: Exception, action: str) -> StripeUnavailable:
    """Log the SDK error as one structured line and choose the status and sentence for the visitor."""
    import stripe

    error: Any = (getattr(exc, "json_body", None) or {}).get("error") or {}
    # Stripe's own error type and code, never its message (it may quote what was sent: a name, an address).
    log.error(
        "stripe error on %s: %s (HTTP %s, %s %s, param %s, request %s)",
        action,
        type(exc).__name__,
        getattr(exc, "http_status", None),
        error.get("type") if isinstance(error, dict) else None,
        getattr(exc, "code", None),
        error.get("param") if isinstance(error, dict) else None,
        getattr(exc, "request_id", None),
        extra={"stripe_action": action, "stripe_error": type(exc).__name__},
    )
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return StripeUnavailable(
            503, "We could not reach our payment provider just now. Please try again in a few minutes."
        )
    return StripeUnavailable(
        502, "Our payment provider could not take this booking just now. Please try again in a few minutes."
    )
