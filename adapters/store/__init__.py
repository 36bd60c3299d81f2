"""The booking store: one DynamoDB table holding each booking with its version, the counters and the outbox.

Every write is one conditional transaction (DESIGN.md, "The booking store and a booking's life").
"""

from adapters.store.dynamo import BookingStore
from adapters.store.errors import Conflict, DuplicateMessage, LimitReached, StoreUnavailable
from adapters.store.items import (
    QUOTE_NUMBERS,
    MessageState,
    OutboxItem,
    Outgoing,
    Stored,
    Take,
    code_key,
    message_kind,
    people,
    person_key,
    places_key,
)

__all__ = [
    "QUOTE_NUMBERS",
    "BookingStore",
    "Conflict",
    "DuplicateMessage",
    "LimitReached",
    "MessageState",
    "OutboxItem",
    "Outgoing",
    "StoreUnavailable",
    "Stored",
    "Take",
    "code_key",
    "message_kind",
    "people",
    "person_key",
    "places_key",
]
