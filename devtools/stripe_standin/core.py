"""What billing, refunds and coupons reach through the StandIn, as a protocol: they depend on it, and app.py
(which builds them all) satisfies it, so none of them imports app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from threading import RLock
from typing import Any, Protocol

from devtools.stripe_standin.webhooks import Delivery


@dataclass
class StoredEvent:
    """A webhook event as the stand-in raised it: its id, type, JSON payload and Stripe-Signature header."""

    id: str
    type: str
    payload: str
    signature: str


class CouponBook(Protocol):
    """The coupons by id (coupons.Coupons), which invoices read for their discounts."""

    coupons: dict[str, dict[str, Any]]


class Core(Protocol):
    """The shared state: one lock around it all, the clock, the objects several parts read, and the events."""

    clock: Callable[[], float]
    public_base: str
    lock: RLock
    intents: dict[str, dict[str, Any]]  # PaymentIntents by id
    tax_rates: dict[str, dict[str, Any]]

    @property
    def coupons(self) -> CouponBook: ...

    @property
    def events(self) -> list[StoredEvent]:
        """Every event raised so far, oldest first."""

    def new_event(
        self, event_type: str, obj: dict[str, Any], now: int, previous_attributes: dict[str, Any] | None = None
    ) -> StoredEvent:
        """Record a signed event (lock held)."""

    def queue_event(self, stored: StoredEvent) -> None:
        """Deliver `stored` once the lock is released (by flush_events)."""

    def flush_events(self) -> None:
        """Deliver the queued events; called with the lock released."""

    def deliver_event(self, stored: StoredEvent, required: bool = False) -> Delivery | None:
        """Send one event to the webhook URL now (lock released)."""
