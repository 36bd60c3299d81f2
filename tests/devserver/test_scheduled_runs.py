"""The dev server's scheduled run (devtools/devserver/schedule.py): every few seconds here (5 minutes by default),
one line for a run that did something and nothing for one that did not, the function's INFO lines from that thread
held back, a failing run logged and the next one made; off at 0."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from devtools.devserver.schedule import SCHEDULE_SECONDS, ScheduledRuns, schedule_seconds, summary
from tests.waiting import wait_until

NOTHING = {"ok": True, "expired": 0, "quotes_lapsed": 0, "po_reminded": 0, "po_released": 0, "reminded": 0,
           "sent": 0, "refused": 0, "waiting": 0}  # fmt: skip


def test_the_interval_is_five_minutes_unless_set_and_zero_or_off_turns_it_off():
    assert schedule_seconds(None) == schedule_seconds(" ") == SCHEDULE_SECONDS == 300
    assert schedule_seconds("0") == schedule_seconds("off") == schedule_seconds("OFF") == 0
    assert schedule_seconds("60") == 60 and schedule_seconds("0.5") == 0.5
    for bad in ("-1", "soon"):
        with pytest.raises(ValueError):
            schedule_seconds(bad)


def test_one_line_says_what_a_run_did_and_a_run_that_did_nothing_says_nothing():
    assert summary(NOTHING) is None
    assert summary({**NOTHING, "waiting": 2}) is None  # left to do, not done
    assert summary({**NOTHING, "quotes_lapsed": 1, "sent": 2, "waiting": 1}) == (
        "scheduled run: 1 quotations lapsed, 2 e-mails sent, 1 e-mails still waiting"
    )
    assert summary({**NOTHING, "po_released": 1, "po_reminded": 2, "anonymised": 3}) == (
        "scheduled run: 2 PO reminders, 1 PO holds ended, 3 bookings anonymised"
    )


class _Runs:
    """A run that returns the counts given, one per call (then nothing done), logging as the function does."""

    def __init__(self, *counts: dict):
        self.counts = list(counts)
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        logging.getLogger("booking.flows.purchase").info("purchase to pay: 0 quotation(s) lapsed")
        if not self.counts:
            return NOTHING
        done = self.counts.pop(0)
        if isinstance(done, Exception):
            raise done
        return done


@pytest.fixture
def root_lines() -> Iterator[list[str]]:
    """What the root logger's handlers write (as the dev server's stderr shows it)."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_runs_come_on_their_thread_one_line_each_for_those_that_did_something(root_lines):
    said: list[str] = []
    runs = _Runs(NOTHING, {**NOTHING, "sent": 3}, RuntimeError("the store is down"), NOTHING, {**NOTHING, "expired": 1})
    scheduler = ScheduledRuns(0.01, runs, said.append)
    scheduler.start()
    try:
        wait_until(lambda: runs.calls >= 7, what="seven runs")
        logging.getLogger("booking.flows.purchase").info("a request's own line")  # another thread: shown
    finally:
        scheduler.stop()
    assert said == ["scheduled run: 3 e-mails sent", "scheduled run: 1 requests expired"]
    # The runs' own INFO lines are held back; the failure is a warning, and the runs went on after it.
    assert root_lines == ["scheduled run failed: RuntimeError: the store is down", "a request's own line"]


def test_zero_starts_no_thread():
    runs = _Runs()
    scheduler = ScheduledRuns(0, runs, print)
    scheduler.start()
    scheduler.stop()
    assert runs.calls == 0
