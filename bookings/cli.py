"""`python -m bookings export EVENT [--format csv|xlsx] [--output FILE]`: the delegate list of one event, from Stripe.

Reads STRIPE_SECRET_KEY (a restricted read-only key is enough) and STRIPE_API_BASE (optional: the
local stand-in) from the environment. Errors are one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bookings.export import find_bookings, rows
from bookings.writers import write_csv, write_xlsx
from pricing import DEFAULT_FEES_PATH, FeeTable, FeeTableError, format_pence, load_fee_table

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CliError(Exception):
    """A one-line reason to stop, and the exit status."""

    def __init__(self, message: str, status: int = 2):
        self.status = status
        super().__init__(message)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bookings", description="The organiser's back office.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export",
        help="list every paid or invoiced delegate of an event",
        description="One row per delegate of every paid (card) or invoiced (open or paid invoice) booking.",
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
    return parser


def _client(environ: Mapping[str, str]):
    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key:
        raise CliError(
            "STRIPE_SECRET_KEY is not set: export the Stripe secret (or restricted read-only) key first, "
            "e.g. STRIPE_SECRET_KEY=rk_live_... python -m bookings export EVENT"
        )
    if not key.startswith(("sk_", "rk_")):
        raise CliError("STRIPE_SECRET_KEY does not look like a Stripe key (sk_... or rk_...)")
    import stripe

    base = environ.get("STRIPE_API_BASE", "").strip().rstrip("/")
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,  # type: ignore[arg-type]
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=20),
    ), base or "https://api.stripe.com"


def _fees(environ: Mapping[str, str]) -> FeeTable | None:
    try:
        return load_fee_table(environ.get("FEES_PATH") or DEFAULT_FEES_PATH)
    except FeeTableError:
        return None


def export(
    event: str, fmt: str, output: Path | None, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO
) -> int:
    import stripe

    if not _SLUG.match(event):
        raise CliError(
            f"'{event[:80]}' is not an event slug: use the name from content/fees.yaml, like caldicott-police-2027"
        )
    fees = _fees(environ)
    api, where = _client(environ)
    known = fees is not None and event in fees.events
    last: dict[str, int] = {}

    def progress(what: str, count: int) -> None:
        if count and count != last.get(what):
            last[what] = count
            print(f"bookings: read {count} {what} of {event} from Stripe", file=stderr, flush=True)

    def skipped(reason: str) -> None:
        print(f"bookings: left out, its booking record cannot be read: {reason}", file=stderr, flush=True)

    try:
        found = find_bookings(api, event, progress, skipped)
    except stripe.AuthenticationError:
        raise CliError(
            "Stripe refused STRIPE_SECRET_KEY: check the key (and that it is for the right account and mode)"
        ) from None
    except stripe.PermissionError:
        raise CliError(
            "the Stripe key may not read PaymentIntents and Invoices: give the restricted key read access to both"
        ) from None
    except stripe.APIConnectionError:
        raise CliError(
            f"cannot reach Stripe at {where}: check the network (or that the local stand-in is running)", 3
        ) from None
    except stripe.StripeError as exc:
        raise CliError(f"Stripe answered with an error: {exc.user_message or type(exc).__name__}", 3) from None
    if not found and not known:
        names = ", ".join(sorted(fees.events)) if fees is not None else "(fee table unreadable)"
        raise CliError(
            f"unknown event '{event}': it is not in content/fees.yaml and Stripe has no bookings for it (events: {names})"
        )
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
    gross = sum(r["gross_pence"] for r in table if r["gross_pence"] != "")
    card = sum(1 for b in found if b.method == "card")
    print(
        f"bookings: {len(found)} bookings ({card} by card, {len(found) - card} by invoice), {len(table)} delegates, "
        f"{format_pence(gross)} including VAT",
        file=stderr,
    )
    return 0


def main(
    argv: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    args = _parser().parse_args(argv)
    environ = os.environ if environ is None else environ
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    fmt = args.format or ("xlsx" if args.output is not None and args.output.suffix.lower() == ".xlsx" else "csv")
    try:
        return export(args.event, fmt, args.output, environ, stdout, stderr)
    except CliError as exc:
        print(f"bookings: {exc}", file=stderr)
        return exc.status
    except OSError as exc:
        print(f"bookings: cannot write {exc.filename}: {exc.strerror}", file=stderr)
        return 2
