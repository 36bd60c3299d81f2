"""`python -m bookings retention [--dry-run]` and `person EMAIL --export DIR | --erase`: the retention schedule
applied now, and one person's subject-access request or erasure (docs/back-office.md, "A delegate asks for their
data"). What is printed names references, kinds and reasons; only the export itself holds the person's details.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bookings.context import CliError, event_file, fees_path, open_store, store_errors

if TYPE_CHECKING:
    import stripe

    from flows.retention import Line, Report

ROOT = Path(__file__).resolve().parent.parent
EXPORT_TEMPLATE = ROOT / "theme" / "backoffice" / "subject_access.html"


def stripe_api(environ: Mapping[str, str]) -> stripe.StripeClient | None:
    """Stripe with the organiser's key (STRIPE_SECRET_KEY; STRIPE_API_BASE for the local stand-in), or None."""
    from dataclasses import dataclass

    from adapters.payments.client import client

    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key:
        return None

    @dataclass(frozen=True)
    class Access:
        stripe_secret_key: str
        stripe_api_base: str | None
        stripe_max_network_retries: int = 2
        stripe_timeout_seconds: float = 20.0

    return client(Access(key, environ.get("STRIPE_API_BASE", "").strip() or None))


def _schedule(environ: Mapping[str, str]) -> Any:
    from pricing import FeeTableError
    from pricing.organiser import load_organiser

    path = Path(environ.get("ORGANISER_PATH") or fees_path(environ).with_name("organiser.yaml"))
    try:
        return load_organiser(path).retention
    except FeeTableError as exc:
        raise CliError(f"the retention schedule cannot be read: {exc.problems[0]}") from None


def _event_days(environ: Mapping[str, str]) -> Callable[[str], date | None]:
    from adapters.content.events import event_facts

    def day(event: str) -> date | None:
        path = event_file(environ, event)
        return event_facts(event, path.parent).day

    return day


def _print_lines(title: str, lines: list[Line], stdout: TextIO) -> None:
    if lines:
        print(f"{title}:", file=stdout)
        for line in lines:
            print(f"  {line}", file=stdout)


def print_report(report: Report, dry_run: bool, stdout: TextIO) -> None:
    verb = "would change" if dry_run else "changed"
    _print_lines(verb, report.changed, stdout)
    _print_lines("kept", report.kept, stdout)
    _print_lines("not done yet", report.waiting, stdout)
    refs = {line.ref for line in report.changed}
    print(
        f"{len(refs)} of {report.bookings} bookings {verb}; {report.untouched} had nothing due"
        + (" (dry run: nothing was changed)" if dry_run else ""),
        file=stdout,
    )


def retention(
    dry_run: bool,
    at: datetime | None,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    clock: Callable[[], datetime],
) -> int:
    from booking.retention import Schedule
    from flows import retention as schedule_run

    now = at or clock()
    schedule = _schedule(environ)
    api = stripe_api(environ)
    job = schedule_run.Job(Schedule.of(schedule), _event_days(environ), (lambda: api) if api is not None else None)
    store = open_store(environ)
    with store_errors(store):
        report = schedule_run.apply(store, list(store.all_bookings()), job, now, dry_run=dry_run)
    print_report(report, dry_run, stdout)
    if api is None:
        print("bookings: STRIPE_SECRET_KEY is not set: customer records at Stripe were not checked", file=stderr)
    return 1 if report.waiting else 0


def person(
    address: str,
    export_dir: Path | None,
    erase: bool,
    at: datetime | None,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    clock: Callable[[], datetime],
) -> int:
    from adapters.payments.client import StripeUnavailable
    from booking.text import canonical_address
    from flows import person as one_person

    if "@" not in address:
        raise CliError(f"'{address[:80]}' is not an e-mail address")
    wanted = canonical_address(address)
    now = at or clock()
    api = stripe_api(environ)
    store = open_store(environ)
    if api is None:
        print("bookings: STRIPE_SECRET_KEY is not set: Stripe was not asked", file=stderr)
    with store_errors(store):
        try:
            if erase:
                done = one_person.erase(store, wanted, now, api)
                _print_lines("erased", done.changed, stdout)
                _print_lines("kept", done.kept, stdout)
                _print_lines("not done yet", done.waiting, stdout)
                if not done.changed:
                    print("nothing held about this address was left to erase", file=stdout)
                return 1 if done.waiting else 0
            held, _ = one_person.held(store, wanted, now, api)
        except StripeUnavailable as exc:
            raise CliError(f"Stripe could not be asked: {exc.message}", 3) from None
    assert export_dir is not None
    json_path, html_path = write_export(held, export_dir)
    if held.nothing:
        kept = (held.erased or {}).get("kept", [])
        if kept:
            print("nothing is held about this address but what the law keeps:", file=stdout)
            for item in kept:
                print(f"  {item['kept']}  ({item['why']})", file=stdout)
        else:
            print("nothing is held about this address", file=stdout)
    else:
        print(
            f"{len(held.bookings)} bookings, {len(held.messages)} e-mails, "
            f"{sum(len(v) for v in held.stripe.values())} Stripe records",
            file=stdout,
        )
    print(f"wrote {json_path} and {html_path}", file=stdout)
    return 0


def write_export(held: Any, folder: Path) -> tuple[Path, Path]:
    """The export as JSON and as a readable HTML document a delegate could be sent."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    folder.mkdir(parents=True, exist_ok=True)
    data = held.as_json()
    json_path = folder / "personal-data.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    env = Environment(
        loader=FileSystemLoader(EXPORT_TEMPLATE.parent),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
    )
    html = env.get_template(EXPORT_TEMPLATE.name).render(held=data, nothing=held.nothing)
    html_path = folder / "personal-data.html"
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path
