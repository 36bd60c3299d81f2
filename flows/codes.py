"""Discount codes cannot be found by trying: failed attempts are counted per client in the store, a few an
hour. (A code's uses are counted with the booking that takes one: flows.advance.code_takes.)"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from adapters.store import BookingStore, LimitReached, Take

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
