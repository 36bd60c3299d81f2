"""A discount code's uses, counted in the store with the booking that takes one, so the last use is taken once.

A booking with a code takes a use when it is first stored (a checkout started, or a request waiting for the
booker's confirmation); a checkout that lapses unpaid and a request never confirmed give it back. A cancelled
booking keeps its use: the code was spent on a real booking. Every code is counted, with or without `uses`, so
that a limit the organiser adds later starts from the true count.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.store import Take, code_key
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
