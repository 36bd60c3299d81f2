"""Discount codes cannot be found by trying: failed attempts are counted per client in the store, a few an
hour. (A code's uses are counted with the booking that takes one: flows.advance.code_takes.)"""

from __future__ import annotations

from datetime import datetime

from adapters.store import BookingStore
from flows import hourly

# Failed code attempts: a few an hour per client, so codes cannot be found by trying (docs/booking-api.md).
CODE_ATTEMPTS_PER_HOUR = 10
ATTEMPTS = "code-attempts"


def attempts_exhausted(store: BookingStore, client: str, secret: str, now: datetime) -> bool:
    """Whether this client has used up its failed code attempts this hour: then no code is even looked at."""
    return hourly.used(store, ATTEMPTS, client, secret, now) >= CODE_ATTEMPTS_PER_HOUR


def count_failed_attempt(store: BookingStore, client: str, secret: str, now: datetime) -> bool:
    """Count one failed code attempt; False when that was past the limit (nothing counted)."""
    return hourly.count(store, ATTEMPTS, client, secret, now, CODE_ATTEMPTS_PER_HOUR)
