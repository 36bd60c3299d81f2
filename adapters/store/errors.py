"""What can go wrong with a store write, named for what happened."""

from __future__ import annotations


class Conflict(Exception):
    """The write lost a race: the booking's version is not the one read, or it already exists. Re-read, re-apply."""


class DuplicateMessage(Conflict):
    """A message with this id was written before (by an earlier transition): nothing was written this time."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id} was already written")
        self.message_id = message_id


class LimitReached(Exception):
    """A counter change would pass its limit (or give back below zero): nothing was written."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is at its limit")
        self.key = key


class StoreUnavailable(Exception):
    """The store could not be reached, or kept refusing (throttled, failing) after a few retries."""
