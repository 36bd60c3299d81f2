"""Read an event's bookings back from Stripe (Search API) and flatten them into one row per delegate.

Card bookings are the succeeded PaymentIntents whose metadata names the event; invoice bookings are
the open, paid or voided Invoices whose metadata names it. Amounts are the ones recorded at booking time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from booking.record import Amount, BookingRecord, NotABooking, from_metadata, is_invoice_booking
from pricing import FeeTable, QuoteError, format_pence, pence_to_decimal_text, quote

SEARCH_PAGE = 100
COLUMNS = (
    "booking_ref",
    "booked_on",
    "delegate_number",
    "delegate_name",
    "delegate_email",
    "email_refused",
    "job_title",
    "organisation",
    "access_needs",
    "category",
    "category_label",
    "payment_method",
    "payment_status",
    "invoice_number",
    "invoice_due",
    "purchase_order",
    "code",
    "booker_name",
    "booker_email",
    "booker_email_refused",
    "booker_organisation",
    "net_pence",
    "vat_pence",
    "gross_pence",
    "net_gbp",
    "vat_gbp",
    "gross_gbp",
)
PENCE_COLUMNS = ("net_pence", "vat_pence", "gross_pence")
POUND_COLUMNS = ("net_gbp", "vat_gbp", "gross_gbp")


@dataclass(frozen=True)
class ListedBooking:
    """One booking as found in Stripe for the delegate list, before it is split into delegate rows."""

    record: BookingRecord
    method: str
    status: str
    created: int
    amount_pence: int
    invoice_number: str = ""
    invoice_due: int | None = None
    stripe_id: str = ""  # the PaymentIntent (card) or Invoice that holds the record

    @property
    def cancelled(self) -> bool:
        """Refunded in full or its invoice voided; its delegates no longer count as attending."""
        return self.record.cancelled or self.status == CANCELLED


CANCELLED = "cancelled"


def payment_status(record: BookingRecord, stripe_status: str) -> str:
    """What the list says of a booking's payment: cancelled, "refunded £50.00", or Stripe's own status."""
    if record.cancelled:
        return CANCELLED
    if record.refunded_pence:
        return f"refunded {format_pence(record.refunded_pence)}"
    return stripe_status


pounds = pence_to_decimal_text  # 29500 -> '295.00' in the spreadsheet's pounds columns


def _day(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat() if timestamp else ""


def _search(
    call: Callable[[dict[str, Any]], Any], query: str, progress: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"query": query, "limit": SEARCH_PAGE}
    seen = 0
    while True:
        page = call(params).to_dict()
        for obj in page.get("data") or []:
            seen += 1
            yield obj
        progress(seen)
        if not page.get("has_more") or not page.get("next_page"):
            return
        params = {**params, "page": page["next_page"]}


def _read(obj: dict[str, Any], skipped: Callable[[str], None]) -> BookingRecord | None:
    try:
        return from_metadata(obj.get("metadata"))
    except NotABooking as exc:
        skipped(f"{obj.get('id')}: {exc}")
        return None


def find_bookings(
    api: Any, event: str, progress: Callable[[str, int], None], skipped: Callable[[str], None] = lambda _: None
) -> list[ListedBooking]:
    """Every paid card booking and every open, paid or voided invoice booking of `event`, oldest first.

    Cancelled bookings (refunded in full, invoice voided) are included, `cancelled`, for the caller to leave
    out or show; a partly refunded one says so in its status.

    Objects that are not this site's bookings are left out; a booking whose record cannot be read (edited by
    hand in the Dashboard, say) is left out and named to `skipped`.
    """
    query = f"metadata['event']:'{event}'"
    found: list[ListedBooking] = []
    for intent in _search(
        lambda p: api.v1.payment_intents.search(params=p), query, lambda n: progress("card payments", n)
    ):
        if intent.get("status") != "succeeded":
            continue
        record = _read(intent, skipped)
        if record is None or record.payment != "card" or record.event != event:
            continue
        amount = int(intent.get("amount_received") or intent.get("amount") or 0)
        created = int(intent.get("created") or 0)
        status = payment_status(record, "paid")
        found.append(ListedBooking(record, "card", status, created, amount, stripe_id=intent["id"]))
    for invoice in _search(lambda p: api.v1.invoices.search(params=p), query, lambda n: progress("invoices", n)):
        if invoice.get("status") not in ("open", "paid", "void"):
            continue
        record = _read(invoice, skipped)
        total = int(invoice.get("total") or 0)
        if record is None or not is_invoice_booking(record, total) or record.event != event:
            continue
        # A voided invoice is a cancelled booking even before the webhook has written that into the record.
        stripe_status = {"paid": "paid", "void": CANCELLED}.get(invoice["status"], "invoiced, awaiting payment")
        status = payment_status(record, stripe_status)
        found.append(
            ListedBooking(
                record,
                "invoice" if total else "none (discount code)",
                status,
                int(invoice.get("created") or 0),
                int(invoice.get("total") or 0),
                invoice.get("number") or "",
                invoice.get("due_date"),
                invoice["id"],
            )
        )
    found.sort(key=lambda b: (b.created, b.record.ref))
    return found


def _amounts(booking: ListedBooking, fees: FeeTable | None) -> tuple[Amount, ...]:
    """The recorded per-delegate amounts; for a booking made before they were recorded, today's quote if it matches."""
    record = booking.record
    if record.amounts and record.gross_pence == booking.amount_pence:
        return record.amounts
    if fees is None:
        return ()
    try:
        priced = quote(fees, record.event, record.category, len(record.delegates), record.payment or booking.method)
    except QuoteError:
        return ()
    if priced.total_pence != booking.amount_pence:
        return ()
    return tuple(Amount(net_pence=line.net_pence, vat_pence=line.vat_pence) for line in priced.lines)


def rows(bookings: list[ListedBooking], fees: FeeTable | None) -> list[dict[str, Any]]:
    """One dict per delegate with every COLUMNS key; amounts blank if they cannot be known exactly."""
    result = []
    for booking in bookings:
        record = booking.record
        amounts = _amounts(booking, fees)
        label = ""
        if fees is not None and record.event in fees.events:
            category = fees.tariff_for(record.event).categories.get(record.category)
            label = category.label if category else ""
        for number, delegate in enumerate(record.delegates, start=1):
            amount = amounts[number - 1] if len(amounts) == len(record.delegates) else None
            row: dict[str, Any] = {
                "booking_ref": record.ref,
                "booked_on": _day(booking.created),
                "delegate_number": number,
                "delegate_name": delegate.name,
                "delegate_email": delegate.email,
                # The mail server refused this address when the confirmation went: the organiser should call.
                "email_refused": "yes" if delegate.email in record.mail_failures else "",
                "job_title": delegate.job_title,
                "organisation": delegate.organisation or record.contact.organisation,
                "access_needs": delegate.access_needs,
                "category": record.category,
                "category_label": label,
                "payment_method": booking.method,
                "payment_status": booking.status,
                "invoice_number": booking.invoice_number,
                "invoice_due": _day(booking.invoice_due),
                "purchase_order": record.purchase_order,
                "code": record.code,
                "booker_name": record.contact.name,
                "booker_email": record.contact.email,
                "booker_email_refused": "yes" if record.contact.email in record.mail_failures else "",
                "booker_organisation": record.contact.organisation,
            }
            if amount is not None:
                row.update(
                    net_pence=amount.net_pence,
                    vat_pence=amount.vat_pence,
                    gross_pence=amount.gross_pence,
                    net_gbp=pounds(amount.net_pence),
                    vat_gbp=pounds(amount.vat_pence),
                    gross_gbp=pounds(amount.gross_pence),
                )
            else:
                row.update({name: "" for name in PENCE_COLUMNS + POUND_COLUMNS})
            result.append(row)
    return result
