"""`python -m pricing quote EVENT CATEGORY DELEGATES [--payment card|invoice] [--code CODE] [--at TIME] [--json]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from pricing.errors import CodeError, FeeTableError, QuoteError
from pricing.loader import DEFAULT_FEES_PATH, load_fee_table
from pricing.models import UK, uk_time_text
from pricing.money import format_pence
from pricing.quote import PAYMENTS, Quote, quote


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(2, f"pricing: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pricing", description="Price bookings from the fee table.")
    parser.add_argument(
        "--fees",
        type=Path,
        default=Path(os.environ.get("FEES_PATH", DEFAULT_FEES_PATH)),
        help="the fee table (default: content/fees.yaml, or $FEES_PATH)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    q = commands.add_parser("quote", help="price one booking")
    q.add_argument("event", help="event slug, e.g. caldicott-police-2027")
    q.add_argument("category", help="fee category id, e.g. public-sector")
    q.add_argument("delegates", help="number of delegates")
    q.add_argument("--payment", choices=PAYMENTS, default="card", help="card (online, discounted; default) or invoice")
    q.add_argument("--code", default=None, help="a discount code from the fee table (any case)")
    q.add_argument(
        "--at",
        type=_uk_time,
        default=None,
        metavar='"YYYY-MM-DD HH:MM"',
        help="when the booking is made, UK time (default: now); decides the early-booking rate and code expiry",
    )
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("--fees", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _uk_time(text: str) -> datetime:
    try:
        moment = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a UK time like "2027-06-30 23:59"') from None
    return moment.replace(tzinfo=UK)


def _text(result: Quote, at: datetime) -> str:
    how = "paying online by card" if result.payment == "card" else "paying by invoice"
    rows = [
        f"{result.event} · {result.category_label} · {result.delegates} delegate(s) · {how}"
        f" · booked {uk_time_text(at)} (UK time)"
    ]
    rows.extend(f"  Discount: {d.label}" for d in result.discounts)
    if result.before_code is not None:
        rows.append(f"  Without the code: {format_pence(result.before_code.total_pence)}")
    for line in result.lines:
        rows.append(
            f"  Delegate {line.delegate:<3} {format_pence(line.net_pence):>11} + VAT {format_pence(line.vat_pence):>10}"
            f" = {format_pence(line.gross_pence):>11}"
        )
    rows.append(
        f"  Total        {format_pence(result.net_pence):>11} + VAT {format_pence(result.vat_pence):>10}"
        f" = {format_pence(result.total_pence):>11}"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        delegates = int(args.delegates)
    except ValueError:
        print(f'pricing: delegates must be a whole number, not "{args.delegates}"', file=sys.stderr)
        return 2
    try:
        fees = load_fee_table(args.fees)
        at = args.at or datetime.now(UK)
        result = quote(fees, args.event, args.category, delegates, args.payment, at=at, code=args.code)
    except FeeTableError as exc:
        print(f"pricing: the fee table has problems:\n{exc}", file=sys.stderr)
        return 1
    except CodeError as exc:  # the organiser's own terminal: say why, which a delegate is never told
        print(f"pricing: {exc.detail}", file=sys.stderr)
        return 2
    except QuoteError as exc:
        print(f"pricing: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**result.to_dict(), "booked_at": at.astimezone(UK).isoformat(timespec="minutes")}))
    else:
        print(_text(result, at))
    return 0
