"""The AWS Lambda entry point: a Function URL request (payload 2.0: event dict in, response dict out, the core in
between), or the scheduled run EventBridge Scheduler invokes (expire lapsed requests, chase unpaid invoices,
deliver the outbox)."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Mapping
from typing import Any

from functions import coldstart

# A cold start: the collector paused while the routes' common modules are imported (functions/coldstart.py).
with coldstart.collector_paused():
    from functions import logs
    from functions.app import route, unconfigured
    from functions.http import Request, Response
    from functions.settings import Settings, SettingsError
coldstart.skip_pydantic_plugins()

# Bigger than any body a route accepts: each route answers 413 itself; this only bounds decoding.
MAX_EVENT_BODY = 1024 * 1024
# The Input the SAM template's schedule (BookingScheduleRun) sends: only AWS principals allowed to invoke the
# function can send a payload that is not an HTTP request; the Function URL always wraps one in payload 2.0.
SCHEDULE_SOURCE = "booking.schedule"
log = logging.getLogger("booking.functions.lambda_handler")


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda's entry point: read Settings from the environment here, once per invocation (the first one with
    the garbage collector paused: functions/coldstart.py)."""
    with coldstart.first_invocation():
        return _handle(event)


def _handle(event: Mapping[str, Any]) -> dict[str, Any]:
    if logs.in_lambda(os.environ):
        logs.setup()
    logs.begin()
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        if is_scheduled(event):
            log.error("scheduled run not done: the function is not configured: %s", "; ".join(exc.problems))
            return {"ok": False}
        return to_lambda(unconfigured(to_request(event), exc.problems))
    if is_scheduled(event):
        return scheduled_run(settings)
    return handle_event(event, settings)


def is_scheduled(event: Mapping[str, Any]) -> bool:
    """An EventBridge Scheduler invocation (the template's Input), not an HTTP request."""
    return event.get("source") == SCHEDULE_SOURCE and "requestContext" not in event


def scheduled_run(settings: Settings) -> dict[str, Any]:
    """Expire lapsed requests, lapse quotations, remind and release PO holds, write the payment reminders due today
    and deliver every message waiting in the outbox; what was done, as counts. The dev server's scheduler
    (devtools/devserver/schedule.py) invokes it through `handler` too."""
    from adapters.content.fees import fee_table
    from adapters.payments.client import client
    from flows import scheduled
    from functions.mailroom import mail
    from pricing import UK

    fees = fee_table(settings.fees_path)
    events = sorted(fees.events)
    moment = settings.now()
    now = moment.isoformat(timespec="seconds")
    job, kept_events = retention_job(settings, events) if scheduled.retention_turn(now) else (None, [])
    chasing = scheduled.Chasing(client(settings), fees.invoice_reminders, moment.astimezone(UK).date().isoformat())
    done = scheduled.run(
        settings.store(),
        mail(settings),
        events,
        now,
        fees=fees,
        retention=job,
        kept_events=kept_events,
        chasing=chasing,
    )
    swept = done.swept
    counts: dict[str, Any] = {
        "ok": True,
        "expired": len(done.expired),
        "quotes_lapsed": len(swept.quotes_lapsed) if swept else 0,
        "po_reminded": len(swept.reminded) if swept else 0,
        "po_released": len(swept.released) if swept else 0,
        "reminded": len(done.chased.reminders) if done.chased else 0,
        "sent": len(done.delivery.sent),
        "refused": len(done.delivery.refused),
        "waiting": len(done.delivery.waiting),
    }
    if done.retention is not None:
        counts["anonymised"] = len({line.ref for line in done.retention.changed})
    log.info(
        "scheduled run: %(expired)d expired, %(quotes_lapsed)d quotations lapsed, %(po_reminded)d PO reminders, "
        "%(po_released)d PO holds released, %(reminded)d reminded, %(sent)d sent, %(refused)d refused, "
        "%(waiting)d waiting",
        counts,
    )
    return counts


def retention_job(settings: Settings, events: list[str]) -> tuple[Any, list[str]]:
    """The retention schedule from the organiser's file, each event's date from its page, Stripe from the settings;
    and the events whose bookings it covers (the fee table's and every event with a page, past ones too). No job
    when the organiser's file cannot be read: the schedule is not guessed."""
    from adapters.content.events import event_facts
    from adapters.payments.client import client
    from booking.retention import Schedule
    from flows.retention import Job
    from pricing import FeeTableError
    from pricing.organiser import load_organiser

    assert settings.organiser_path is not None and settings.events_dir is not None
    events_dir = settings.events_dir
    try:
        schedule = Schedule.of(load_organiser(settings.organiser_path).retention)
    except FeeTableError as exc:
        log.error("retention not applied: the organiser's file cannot be read: %s", exc.problems[0])
        return None, []
    job = Job(schedule, lambda event: event_facts(event, events_dir).day, lambda: client(settings))
    pages = sorted(path.stem for path in events_dir.glob("*.md"))
    return job, sorted({*events, *pages})


def handle_event(event: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The adapter without the environment: tests and the dev server pass their own Settings."""
    return to_lambda(route(to_request(event), settings))


def to_request(event: Mapping[str, Any]) -> Request:
    http = (event.get("requestContext") or {}).get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    if isinstance(raw, str) and len(raw) > MAX_EVENT_BODY * 2:
        raw = raw[: MAX_EVENT_BODY * 2]  # routes answer 413 on anything this long anyway
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            body = b"\xff"  # undecodable: the route reports an unreadable body
    else:
        body = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    return Request(
        method=str(http.get("method") or "GET").upper(),
        path=str(event.get("rawPath") or http.get("path") or "/"),
        query=str(event.get("rawQueryString") or ""),
        headers=headers,
        body=body,
        source_ip=str(http.get("sourceIp") or ""),
    )


def to_lambda(response: Response) -> dict[str, Any]:
    binary = isinstance(response.body, bytes)
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": base64.b64encode(response.body).decode("ascii") if isinstance(response.body, bytes) else response.body,
        "isBase64Encoded": binary,
    }
