"""Limits per client and hour (failed discount-code attempts, quote requests): one counter item in the store per
client and hour. The client's address is kept only as a keyed digest (it is personal data), and the counter
expires with the hour after."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from adapters.store import BookingStore, LimitReached, Take


def key(kind: str, client: str, secret: str, now: datetime) -> str:
    """The counter of one client's `kind` this hour."""
    digest = hmac.new(secret.encode(), client.encode(), hashlib.sha256).hexdigest()[:32]
    return f"COUNTER#{kind}#{digest}#{now.astimezone(UTC):%Y%m%d%H}"


def used(store: BookingStore, kind: str, client: str, secret: str, now: datetime) -> int:
    """How many `kind` this client has counted this hour."""
    return store.counter(key(kind, client, secret, now))


def count(store: BookingStore, kind: str, client: str, secret: str, now: datetime, limit: int) -> bool:
    """Count one `kind` for `client`; False when that was past the hour's `limit` (LimitReached: nothing counted)."""
    hour_after = int(now.timestamp()) // 3600 * 3600 + 2 * 3600
    try:
        store.take(Take(key(kind, client, secret, now), 1, limit, expires_at=hour_after))
    except LimitReached:
        return False
    return True
