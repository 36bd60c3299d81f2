"""The scheduled run under `make dev`, as EventBridge Scheduler makes it in production (functions/template.yaml's
BookingScheduleRun, every 5 minutes): a daemon thread invokes the function's handler with the schedule's event, so
the very code production runs does it here (functions.lambda_handler.scheduled_run): requests and quotations lapse,
PO reminders go and PO holds end, payment reminders are written and the outbox is delivered.

Quiet by design: a run that did nothing prints nothing, a run that did something prints one line of counts (the
function's own INFO lines from that thread are held back; its warnings and errors are not). Every
`--schedule-seconds` (or DEV_SCHEDULE_SECONDS), 300 by default; 0 turns it off.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

SCHEDULE_SECONDS = 300.0  # EventBridge Scheduler's rate(5 minutes) in functions/template.yaml
SCHEDULE_ENV = "DEV_SCHEDULE_SECONDS"
# What a run's counts say it did (functions.lambda_handler.scheduled_run), as one line says them; "waiting" is
# what is left to do, so it is shown only beside something done.
DONE = {
    "expired": "requests expired",
    "quotes_lapsed": "quotations lapsed",
    "po_reminded": "PO reminders",
    "po_released": "PO holds ended",
    "reminded": "payment reminders",
    "sent": "e-mails sent",
    "refused": "e-mails refused",
    "anonymised": "bookings anonymised",
}
log = logging.getLogger("devserver.schedule")


def schedule_seconds(text: str | None) -> float:
    """The interval a setting gives: "" or None for the default, "0" or "off" for none, else seconds (>= 0)."""
    text = (text or "").strip().lower()
    if not text:
        return SCHEDULE_SECONDS
    if text == "off":
        return 0.0
    value = float(text)  # ValueError: not a number
    if value < 0:
        raise ValueError(f"{text} is below 0")
    return value


def invoke_schedule() -> Mapping[str, Any]:
    """What EventBridge Scheduler does: invoke the function with the template's Input (no HTTP request)."""
    from functions.lambda_handler import SCHEDULE_SOURCE, handler

    return handler({"source": SCHEDULE_SOURCE}, None)


def summary(counts: Mapping[str, Any]) -> str | None:
    """One line of what a run did ("scheduled run: 1 quotations lapsed, 2 e-mails sent"), None if it did nothing."""
    done = [f"{counts[key]} {label}" for key, label in DONE.items() if counts.get(key)]
    if not done:
        return None
    if counts.get("waiting"):
        done.append(f"{counts['waiting']} e-mails still waiting")
    return "scheduled run: " + ", ".join(done)


class _NotFromThread(logging.Filter):
    """Holds back the INFO (and lower) lines one thread logs."""

    def __init__(self, ident: int | None):
        super().__init__()
        self.ident = ident

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.thread != self.ident


class ScheduledRuns:
    """Every `every` seconds (none when 0), `run()` on a daemon thread; a line through `say` for each run that did
    something. `run` is the function's handler with the schedule's event unless a test gives another."""

    def __init__(
        self,
        every: float = SCHEDULE_SECONDS,
        run: Callable[[], Mapping[str, Any]] = invoke_schedule,
        say: Callable[[str], None] | None = None,
    ):
        self.every = every
        self.run = run
        self.say = say or (lambda line: print(f"devserver: {line}", file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._quiet = _NotFromThread(None)

    def start(self) -> None:
        if self.every <= 0 or self._thread is not None:
            return
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._quiet)
        self._thread = threading.Thread(target=self._loop, name="scheduled-run", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._quiet)

    def _loop(self) -> None:
        self._quiet.ident = threading.get_ident()
        while not self._stop.wait(self.every):
            self.run_once()

    def run_once(self) -> Mapping[str, Any] | None:
        """One run; its counts (None when it failed: the reason is logged, and the next run tries again)."""
        try:
            counts = self.run()
        except Exception as exc:  # the thread must outlive one bad run, as the next invocation would in production
            log.warning("scheduled run failed: %s: %s", type(exc).__name__, exc)
            return None
        line = summary(counts)
        if line is not None:
            self.say(line)
        return counts
