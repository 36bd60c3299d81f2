"""A discount code's uses, counted in the store with the booking that takes one, so the last use is taken once.

A booking with a code takes a use when it is first stored (a checkout started, or a request waiting for the
booker's confirmation); a checkout that lapses unpaid and a request never confirmed give it back. A cancelled
booking keeps its use: the code was spent on a real booking. Every code is counted, with or without `uses`, so
that a limit the organiser adds later starts from the true count.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.store import BookingStore, LimitReached, Take, code_key
from booking.life import State, Transition
from pricing import FeeTable


def code_uses(fees: FeeTable) -> Callable[[Transition], list[Take]]:
    """The `takes` for flows.advance that count the booking's code against its `uses`."""

    def takes(transition: Transition) -> list[Take]:
        code = transition.booking.record.code
        if not code:
            return []
        if transition.booking.version == 0:  # the booking is being stored for the first time
            found = fees.find_code(code)
            return [Take(code_key(code), 1, found[1].uses if found else None)]
        if transition.state == State.EXPIRED:
            return [Take(code_key(code), -1)]
        return []

    return takes


# Failed code attempts: a few an hour per client, so codes cannot be found by trying (docs/booking-api.md).
CODE_ATTEMPTS_PER_HOUR = 10


def attempts_key(client: str, secret: str, now: datetime) -> str:
    """The counter of one client's failed code attempts this hour. The client's address is kept only as a keyed
    digest (it is personal data), and the counter expires with the hour after."""
    digest = hmac.new(secret.encode(), client.encode(), hashlib.sha256).hexdigest()[:32]
    return f"COUNTER#code-attempts#{digest}#{now.astimezone(UTC):%Y%m%d%H}"


def attempts_exhausted(store: BookingStore, client: str, secret: str, now: datetime) -> bool:
    """Whether this client has used up its failed code attempts this hour: then no code is even looked at."""
    return store.counter(attempts_key(client, secret, now)) >= CODE_ATTEMPTS_PER_HOUR


def count_failed_attempt(store: BookingStore, client: str, secret: str, now: datetime) -> bool:
    """Count one failed code attempt; False when that was past the limit (LimitReached: nothing counted)."""
    hour_after = int(now.timestamp()) // 3600 * 3600 + 2 * 3600
    take = Take(attempts_key(client, secret, now), 1, CODE_ATTEMPTS_PER_HOUR, expires_at=hour_after)
    try:
        store.take(take)
    except LimitReached:
        return False
    return True
