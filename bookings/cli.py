"""`python -m bookings export|joining|certificates EVENT ...`, `outbox`, `chase`, `retention` and `person EMAIL`:
the organiser's back office.

Reads the bookings table named by BOOKINGS_TABLE with the organiser's AWS credentials (AWS_PROFILE or
AWS_ACCESS_KEY_ID..., AWS_REGION; DYNAMODB_ENDPOINT for the local engine `make dev` starts), and for e-mail
SMTP_URL and MAIL_FROM (or MAIL_OUTBOX). Errors are one line on stderr and a non-zero exit status: 2 for
something to fix first, 3 for something to try again later, 1 when some messages did not go.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bookings.context import CliError, check_slug, load_fees, open_store, store_errors, uk_now
from bookings.export import find_bookings, rows
from bookings.writers import write_csv, write_xlsx
from pricing import format_pence

__all__ = ["CliError", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bookings", description="The organiser's back office.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export",
        help="list every paid or invoiced delegate of an event",
        description="One row per delegate of every confirmed (paid or free) or invoiced booking, and of every booking "
        "whose places are held for its PO to follow, from the bookings table; cancelled bookings (refunded in full, "
        "invoice voided) are left out unless --include-cancelled; quotations are only counted.",
    )
    export.add_argument("event", help="the event's slug, as in content/fees.yaml, e.g. caldicott-police-2027")
    export.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default=None,
        help="csv (default, to stdout) or xlsx (an Excel workbook; needs a file)",
    )
    export.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write to this file (default: stdout for csv, delegates-EVENT.xlsx for xlsx)",
    )
    export.add_argument(
        "--at",
        type=uk_time,
        default=None,
        metavar='"YYYY-MM-DD HH:MM"',
        help="date the list as if it were this UK time (default: now): how many days an unpaid invoice is overdue",
    )
    export.add_argument(
        "--include-cancelled",
        action="store_true",
        help="also list the delegates of cancelled bookings (payment_status 'cancelled')",
    )
    joining = commands.add_parser(
        "joining",
        help="e-mail every confirmed delegate the joining instructions, once",
        description="E-mail the joining details to every delegate of a paid or invoiced, not cancelled booking "
        "who has not had them yet (so a rerun reaches only substitutes and late bookings).",
    )
    joining.add_argument("event", help="the event's slug, e.g. caldicott-police-2027")
    joining.add_argument("--link", required=True, help="the meeting's https:// address (Zoom, Teams, ...)")
    joining.add_argument("--dry-run", action="store_true", help="list who would get them and send nothing")
    certificates = commands.add_parser(
        "certificates",
        help="write (and e-mail) one CPD certificate per delegate",
        description="One PDF certificate per delegate of a paid or invoiced, not cancelled booking.",
    )
    certificates.add_argument("event", help="the event's slug, e.g. caldicott-police-2027")
    certificates.add_argument("--output", "-o", type=Path, required=True, help="the folder to write the PDFs to")
    certificates.add_argument(
        "--attended",
        type=Path,
        default=None,
        help="the attendance report exported from Zoom or Teams (CSV): certificates only for delegates in it",
    )
    certificates.add_argument(
        "--send", action="store_true", help="e-mail each delegate their certificate (once; reruns skip them)"
    )
    retry = commands.add_parser(
        "outbox",
        help="list the e-mails waiting to be sent; --retry sends them",
        description="Every message the mail server has not taken yet (it was down, or deferred it), by booking: "
        "its kind and how many recipients. --retry sends them now.",
    )
    retry.add_argument("--retry", action="store_true", help="send what is waiting (SMTP_URL and MAIL_FROM)")
    chase = commands.add_parser(
        "chase",
        help="chase buyers: lapse quotations, remind and release PO holds, e-mail payment reminders, each once",
        description="First purchase to pay's buyer-facing steps: quotations past their date lapse and give their "
        "places back, bookings waiting for a PO get their reminders (po_reminder_days) or, at the hold's end, are "
        "released. Then every unpaid invoice whose reminder is due today (invoice_reminders in content/fees.yaml: "
        "days from the due date) gets it, once; each invoice is read back from Stripe first (STRIPE_SECRET_KEY), so "
        "a paid, voided or credited one gets none.",
    )
    chase.add_argument("--dry-run", action="store_true", help="list who would be reminded and send nothing")
    _clock_option(chase)
    keep = commands.add_parser(
        "retention",
        help="apply the retention schedule now (organiser.yaml retention:), printing what changed and what was kept",
        description="Anonymise what each booking's retention periods no longer keep (access needs, then delegates' "
        "details, then the booker's and the customer record at Stripe), and clear the e-mails whose purpose has "
        "passed. The scheduled run does the same every day; running it twice changes nothing the second time.",
    )
    keep.add_argument("--dry-run", action="store_true", help="print what would change and change nothing")
    _clock_option(keep)
    person = commands.add_parser(
        "person",
        help="everything held about one e-mail address (--export DIR), or its erasure (--erase)",
        description="A subject access request: --export DIR writes personal-data.json and personal-data.html. An "
        "erasure request: --erase anonymises the address wherever no legal duty keeps it, and says what was kept.",
    )
    person.add_argument("email", help="the person's e-mail address (case and the domain's form do not matter)")
    what = person.add_mutually_exclusive_group(required=True)
    what.add_argument("--export", type=Path, metavar="DIR", help="write what is held to this folder")
    what.add_argument("--erase", action="store_true", help="erase what no legal duty keeps")
    _clock_option(person)
    return parser


def _clock_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--at",
        type=uk_time,
        default=None,
        metavar='"YYYY-MM-DD HH:MM"',
        help="run as if it were this UK time (default: now); for trying the schedule out",
    )


def uk_time(text: str) -> datetime:
    """--at: a UK time like "2027-06-30 23:59" (the commands' clock, for rehearsals and tests)."""
    from pricing import UK

    try:
        moment = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a UK time like "2027-06-30 23:59"') from None
    return moment.replace(tzinfo=UK)


def export(
    event: str,
    fmt: str,
    output: Path | None,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    include_cancelled: bool = False,
    now: Callable[[], datetime] | None = None,
) -> int:
    check_slug(event)
    fees = load_fees(environ)
    known = fees is not None and event in fees.events
    store = open_store(environ)
    today = uk_now(now or (lambda: datetime.now(UTC))).date().isoformat()
    with store_errors(store):
        everything = find_bookings(store, event, today)
    found = everything.bookings
    print(f"bookings: read {len(found)} bookings of {event} from the bookings table", file=stderr, flush=True)
    if not found and not known:
        names = ", ".join(sorted(fees.events)) if fees is not None else "(fee table unreadable)"
        raise CliError(
            f"unknown event '{event}': it is not in content/fees.yaml and the bookings table has no bookings for it "
            f"(events: {names})"
        )
    cancelled = [b for b in found if b.cancelled]
    if not include_cancelled:
        found = [b for b in found if not b.cancelled]
    table = rows(found, fees)
    if fmt == "xlsx":
        target = output or Path(f"delegates-{event}.xlsx")
        write_xlsx(table, target, event)
        print(f"bookings: wrote {target}", file=stderr)
    elif output is not None:
        with open(output, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM lets Excel read UTF-8 names
            write_csv(table, handle)
        print(f"bookings: wrote {output}", file=stderr)
    else:
        write_csv(table, stdout)
    held = [b for b in found if b.held]
    coming = [b for b in found if not b.held]
    held_refs = {b.record.ref for b in held}
    gross = sum(r["gross_pence"] for r in table if r["gross_pence"] != "" and r["booking_ref"] not in held_refs)
    card = sum(1 for b in coming if b.method == "card")
    delegates = sum(1 for r in table if r["booking_ref"] not in held_refs)
    print(
        f"bookings: {len(coming)} bookings ({card} by card, {len(coming) - card} by invoice), {delegates} delegates, "
        f"{format_pence(gross)} including VAT",
        file=stderr,
    )
    if held:
        places = sum(len(b.record.delegates) for b in held)
        print(
            f'bookings: {len(held)} with the PO to follow hold {places} places (listed as "PO to follow"; '
            "not invoiced, no joining instructions or certificates until the PO is added)",
            file=stderr,
        )
    if everything.quotations:
        print(
            f"bookings: {everything.quotations} quotations hold {everything.quoted_places} places (not listed: a "
            "quotation is not a booking)",
            file=stderr,
        )
    if cancelled and not include_cancelled:
        places = sum(len(b.record.delegates) for b in cancelled)
        print(
            f"bookings: left out {len(cancelled)} cancelled bookings ({places} delegates); "
            "--include-cancelled lists them",
            file=stderr,
        )
    return 0


def main(
    argv: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: Callable[[], datetime] | None = None,
) -> int:
    args = _parser().parse_args(argv)
    environ = os.environ if environ is None else environ
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    clock = now or (lambda: datetime.now(UTC))
    try:
        if args.command == "joining":
            from bookings.joining import joining

            return joining(args.event, args.link, args.dry_run, environ, stdout, stderr, clock)
        if args.command == "certificates":
            from bookings.certificates import certificates

            return certificates(args.event, args.output, args.attended, args.send, environ, stdout, stderr, clock)
        if args.command == "retention":
            from bookings.privacy import retention

            return retention(args.dry_run, args.at, environ, stdout, stderr, clock)
        if args.command == "person":
            from bookings.privacy import person

            return person(args.email, args.export, args.erase, args.at, environ, stdout, stderr, clock)
        if args.command == "chase":
            from bookings.chase import chase

            at = args.at
            return chase(args.dry_run, environ, stdout, stderr, (lambda: at) if at is not None else clock)
        if args.command == "outbox":
            from bookings.outbox import outbox

            return outbox(args.retry, environ, stdout, stderr)
        fmt = args.format or ("xlsx" if args.output is not None and args.output.suffix.lower() == ".xlsx" else "csv")
        at = args.at
        when = (lambda: at) if at is not None else clock
        return export(args.event, fmt, args.output, environ, stdout, stderr, args.include_cancelled, when)
    except CliError as exc:
        print(f"bookings: {exc}", file=stderr)
        return exc.status
    except OSError as exc:
        print(f"bookings: cannot write {exc.filename}: {exc.strerror}", file=stderr)
        return 2
