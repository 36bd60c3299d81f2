"""The one way a test waits for something another thread or process does: ask again until the answer is yes.

The timeout is a generous ceiling against a hung test, never a measurement: what a test asserts is what
happened (the e-mail arrived, the page changed), not how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    what: str | Callable[[], str] = "the condition",
    interval: float = POLL_SECONDS,
) -> T:
    """Call `predicate` until it returns something truthy and return that value; after `timeout` seconds fail
    the test with "timed out waiting for <what>". `what` may be a function, called only then, so the message
    can show the latest state (a server's log, the files in an outbox)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:g} s waiting for {detail}")
        time.sleep(interval)


def at_once(count: int, work: Callable[[int], object], timeout: float = 120.0) -> list[object]:
    """Run work(0) … work(count - 1) in `count` threads released together (a barrier), as clients or Stripe
    deliveries arriving at the same instant; each one's result, or the exception it raised."""
    import threading

    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
