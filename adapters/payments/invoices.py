"""The Stripe Invoicing seam: one priced invoice booking in, one finalised invoice out (sent once the booking has
its places), voided if it cannot have them; a £0 booking's paid £0 invoice; reading an invoice back.

The invoice is a full VAT invoice as HMRC's VAT Traders' Records manual (VATREC5010) lists it, each particular in
one of Stripe's own invoice fields: the number (Stripe's sequence), date of issue (finalising), time of supply
(a custom field: the date of issue, the tax point of an invoice issued before the event), the supplier's name,
address and VAT number (account tax id when configured, a custom field and the footer, from
content/organiser.yaml), the customer's name and address (the customer, updated to what this booking's invoice
contact gave), a description with the event, its date and the delegates (the memo), per line the quantity, net
amount, VAT rate and VAT (from pricing.invoice_lines), the totals (Stripe's), the PO in a custom field and the
payment terms from the fee table (days_until_due and the footer). It can be paid by card on Stripe's invoice page
or by bank transfer (customer_balance: Stripe shows a virtual account and reconciles the transfer itself).

Steps, each a single SDK call with an idempotency key derived from the booking (so a retried
request, or the SDK's own retries, never make a second customer, invoice or line):
find the customer by e-mail (or create one) -> look for this booking's invoice on that customer
-> create a draft invoice -> add the invoice items -> finalise; then send (or void).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from adapters.payments.checkout import CheckoutSettings, code_line_name, metadata, place_name, retrieve
from adapters.payments.checkout import _fit as fit  # Stripe's limits count UTF-16 units
from adapters.payments.client import StripeSettings, client, unavailable
from booking.priced import PricedBooking
from booking.reference import idempotency_key, ref_in
from pricing import UK, format_pence, format_percent, invoice_lines
from pricing.organiser import Organiser

PO_FIELD_NAME = "PO number"
VAT_FIELD_NAME = "Supplier VAT number"
TAX_POINT_FIELD_NAME = "Tax point (time of supply)"
REF_FIELD_NAME = "Booking reference"
CUSTOM_FIELDS_MAX = 4  # Stripe's limits: 4 fields, names of 40 and values of 140 characters
CUSTOM_NAME_MAX = 40
CUSTOM_VALUE_MAX = 140
DESCRIPTION_MAX = 1500
FOOTER_MAX = 5000
# Stripe's bank transfers for invoices in GBP: the customer's cash balance, funded by a UK bank transfer.
BANK_TRANSFER = {
    "payment_method_types": ["card", "customer_balance"],
    "payment_method_options": {
        "customer_balance": {"funding_type": "bank_transfer", "bank_transfer": {"type": "gb_bank_transfer"}}
    },
}


class InvoiceSettings(CheckoutSettings, Protocol):
    """What an invoice needs of the function's settings besides a checkout's: the organiser's file and the
    account's VAT tax id at Stripe (atxi_..., optional)."""

    @property
    def organiser_path(self) -> Path | None: ...

    @property
    def stripe_account_tax_id(self) -> str | None: ...


@dataclass(frozen=True)
class InvoiceText:
    """What the invoice says besides the prices: the event, the supplier and the date of issue (UK)."""

    event_title: str
    event_date: str  # "Tuesday 14 September 2083", "" when unknown
    issued: date
    organiser: Organiser | None = None
    vat_number: str = ""  # the organiser's, when the organiser's file has none (VAT_NUMBER)
    account_tax_id: str = ""

    @property
    def supplier_vat_number(self) -> str:
        return (self.organiser.vat_number if self.organiser else "") or self.vat_number


_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
_ADDRESS_LINE_MAX = 200


@dataclass(frozen=True)
class InvoiceFacts:
    """An invoice as Stripe reports it now; `ref` is the booking it was made for (None: not one of ours)."""

    id: str
    ref: str | None
    number: str
    hosted_invoice_url: str
    amount_due: int
    total: int
    currency: str
    status: str
    due: str  # ISO date, "" when it has none
    customer_email: str


def customer_params(priced: PricedBooking) -> dict[str, Any]:
    billing = priced.booking.billing
    assert billing is not None, "an invoice booking always has billing details"
    lines = billing.address_lines
    postcode = lines[-1].upper() if len(lines) > 1 and _UK_POSTCODE.match(lines[-1]) else ""
    street = lines[:-1] if postcode else lines
    address: dict[str, str] = {"line1": street[0][:_ADDRESS_LINE_MAX], "country": "GB"}
    if len(street) > 1:
        address["line2"] = ", ".join(street[1:])[:_ADDRESS_LINE_MAX]
    if postcode:
        address["postal_code"] = postcode
    return {
        "email": billing.email,
        "name": billing.name,
        "business_name": priced.booking.contact.organisation,
        "address": address,
        "preferred_locales": ["en-GB"],
    }


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _custom_fields(priced: PricedBooking, text: InvoiceText) -> list[dict[str, str]]:
    fields = []
    if priced.booking.purchase_order:
        fields.append((PO_FIELD_NAME, priced.booking.purchase_order))
    if text.supplier_vat_number:
        fields.append((VAT_FIELD_NAME, text.supplier_vat_number))
    fields.append((TAX_POINT_FIELD_NAME, _day(text.issued)))
    fields.append((REF_FIELD_NAME, priced.ref))
    return [
        {"name": fit(name, CUSTOM_NAME_MAX), "value": fit(value, CUSTOM_VALUE_MAX)}
        for name, value in fields[:CUSTOM_FIELDS_MAX]
    ]


def describe(priced: PricedBooking, text: InvoiceText) -> str:
    """The invoice's memo: what is supplied (the event, its date, the delegates) and the VAT summary."""
    b = priced.booking
    q = priced.quote

    def money(pence: int) -> str:
        return format_pence(pence, q.currency)

    when = f", {text.event_date}" if text.event_date else ""
    places = f"{len(b.delegates)} delegate place{'s' if len(b.delegates) != 1 else ''}"
    summary = (
        f" Net {money(q.net_pence)}, VAT at {format_percent(q.vat_percent)}% {money(q.vat_pence)}, "
        f"total {money(q.total_pence)}."
    )
    head = f"Booking {priced.ref}: {places} at {text.event_title or b.event}{when}."
    names = [d.name for d in b.delegates]
    room = DESCRIPTION_MAX - _units(head) - _units(summary) - _units(" Delegates: .")
    listed: list[str] = []
    for number, name in enumerate(names):
        more = f"and {len(names) - number} more"
        if _units("; ".join([*listed, name, more])) > room:
            listed.append(more)
            break
        listed.append(name)
    return fit(f"{head} Delegates: {'; '.join(listed)}.{summary}", DESCRIPTION_MAX)


def footer(priced: PricedBooking, text: InvoiceText) -> str:
    """The supplier's name, address and VAT number; time of supply; payment terms and how to pay."""
    days = priced.fees.invoice_due_days
    due = _day(text.issued + timedelta(days=days))
    parts = []
    if text.organiser is not None:
        parts.append(f"{text.organiser.name}, {', '.join(text.organiser.address_lines)}.")
    if text.supplier_vat_number:
        parts.append(f"VAT registration number {text.supplier_vat_number}.")
    parts.append("Time of supply (tax point): the date of issue.")
    parts.append(f"Payment terms: {days} days from the date of issue (by {due}).")
    parts.append(
        "Pay by card on this invoice's page, or by bank transfer to the account shown on it, quoting the invoice "
        f"number. Please quote booking reference {priced.ref}"
        + (f" and purchase order {priced.booking.purchase_order}" if priced.booking.purchase_order else "")
        + " with your payment."
    )
    return fit(" ".join(parts), FOOTER_MAX)


def invoice_params(priced: PricedBooking, customer_id: str, text: InvoiceText) -> dict[str, Any]:
    params: dict[str, Any] = {
        "customer": customer_id,
        "collection_method": "send_invoice",
        "days_until_due": priced.fees.invoice_due_days,
        "currency": priced.quote.currency.lower(),
        "auto_advance": False,  # we finalise and send ourselves; Stripe must not finalise a half-built draft
        "pending_invoice_items_behavior": "exclude",
        "description": describe(priced, text),
        "footer": footer(priced, text),
        "custom_fields": _custom_fields(priced, text),
        "payment_settings": BANK_TRANSFER,
        "metadata": metadata(priced),
    }
    if text.account_tax_id:
        params["account_tax_ids"] = [text.account_tax_id]
    return params


def invoice_items(
    priced: PricedBooking, invoice_id: str, customer_id: str, tax_rate_id: str | None = None
) -> list[dict[str, Any]]:
    """One item per distinct delegate price before any discount code, then the code as a credit line of its own:
    each says its quantity, the net price of a place, the VAT rate and VAT, and the line's net and VAT; together
    they add up to the quote's total to the penny."""
    q = priced.quote

    def money(pence: int) -> str:
        return format_pence(pence, q.currency)

    rate = f"VAT at {format_percent(q.vat_percent)}%"
    items = []

    def item(amount: int, description: str) -> dict[str, Any]:
        made: dict[str, Any] = {
            "customer": customer_id,
            "invoice": invoice_id,
            "currency": q.currency.lower(),
            "amount": amount,
            "description": description,
        }
        if tax_rate_id:
            made["tax_rates"] = [tax_rate_id]
        return made

    for line in invoice_lines(q):
        if line.quantity:
            name = place_name(q, priced.fees, line.additional)
            each = f"{line.quantity} × {money(line.each_net_pence)} net + {rate} {money(line.each_vat_pence)}"
            totals = f"net {money(line.net_pence)}, VAT {money(line.vat_pence)}, gross {money(line.gross_pence)}"
            items.append(item(line.gross_pence, f"{name}: {each}; {totals}"))
        else:
            totals = f"net {money(line.net_pence)}, {rate} {money(line.vat_pence)}, gross {money(line.gross_pence)}"
            items.append(item(line.gross_pence, f"Discount {code_line_name(q)}: {totals}"))
    charged = sum(i["amount"] for i in items)
    assert charged == q.total_pence, f"invoice items {charged} != quote {q.total_pence}"
    return items


def invoice_text(priced: PricedBooking, settings: InvoiceSettings) -> InvoiceText:
    """The event and supplier facts for the booking's invoice, read from the content files."""
    from adapters.content.events import event_facts
    from adapters.mail.compose import organiser_details

    facts = event_facts(priced.booking.event, settings.events_dir) if settings.events_dir is not None else None
    return InvoiceText(
        event_title=facts.title if facts else priced.booking.event,
        event_date=facts.date_text if facts else "",
        issued=settings.now().astimezone(UK).date(),
        organiser=organiser_details(settings.organiser_path),
        vat_number=settings.vat_number or "",
        account_tax_id=settings.stripe_account_tax_id or "",
    )


def _key(step: str, params: dict[str, Any]) -> str:
    return idempotency_key(f"invoice-{step}", params)


def _existing_invoice(api: Any, customer_id: str, ref: str) -> tuple[dict[str, Any] | None, int]:
    """This booking's invoice if an earlier request made one (even beyond Stripe's 24-hour key window), and how
    many of its invoices were voided (a request refused for want of places, confirmed again later).

    Only the customer's newest 100 invoices are looked at: a retry comes soon after the first attempt.
    """
    page = api.v1.invoices.list(params={"customer": customer_id, "limit": 100})
    mine = [i for i in (i.to_dict() for i in page.data) if _ref(i) == ref]
    live = next((i for i in mine if i.get("status") in ("draft", "open", "paid")), None)
    return live, sum(1 for i in mine if i.get("status") == "void")


def _ref(invoice: dict[str, Any]) -> str:
    return ref_in(invoice.get("metadata")) or ""


def _find_customer(api: Any, email: str) -> Any | None:
    # List (not Search): list results are consistent at once, Search may lag by a minute.
    page = api.v1.customers.list(params={"email": email, "limit": 1})
    return page.data[0].to_dict() if page.data else None


def facts(invoice: dict[str, Any]) -> InvoiceFacts:
    """What the booking needs to know of an invoice (a plain dict as Stripe returned it)."""
    due = invoice.get("due_date")
    return InvoiceFacts(
        id=invoice["id"],
        ref=ref_in(invoice.get("metadata")),
        number=invoice.get("number") or "",
        hosted_invoice_url=invoice.get("hosted_invoice_url") or "",
        amount_due=int(invoice.get("amount_due") or 0),
        total=int(invoice.get("total") or 0),
        currency=(invoice.get("currency") or "gbp").upper(),
        status=invoice.get("status") or "",
        due=datetime.fromtimestamp(int(due), UTC).date().isoformat() if due else "",
        customer_email=invoice.get("customer_email") or "",
    )


def read_invoice(invoice_id: str, settings: StripeSettings) -> InvoiceFacts:
    """Stripe's current state of an invoice; SessionNotFound or StripeUnavailable."""
    api = client(settings)
    return facts(retrieve(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice"))


_UPDATED = ("name", "business_name", "address")


def _customer(api: Any, email: str, new_customer: dict[str, Any]) -> dict[str, Any]:
    """The customer with this e-mail address, its name and address brought up to what this booking's invoice
    must show (a finance team's address may differ from one PO to the next; issued invoices keep theirs)."""
    found: dict[str, Any] | None = _find_customer(api, email)
    if found is not None:
        wanted = {k: new_customer[k] for k in _UPDATED if k in new_customer}
        stale = {k: v for k, v in wanted.items() if _differs(found.get(k), v)}
        if stale:
            found = api.v1.customers.update(
                found["id"],
                params=stale,
                options={"idempotency_key": _key("customer-update", {**stale, "id": found["id"]})},
            ).to_dict()
        assert found is not None
        return found
    made: dict[str, Any] = api.v1.customers.create(
        params=new_customer,
        options={"idempotency_key": _key("customer", new_customer)},
    ).to_dict()
    return made


def _finalised(
    api: Any,
    priced: PricedBooking,
    settings: InvoiceSettings,
    email: str,
    new_customer: dict[str, Any],
    footer: str = "",
) -> tuple[dict[str, Any], bool]:
    """The booking's invoice, made (or found, from an earlier attempt) and finalised; whether it was built now.
    Raises stripe.StripeError."""
    customer = _customer(api, email, new_customer)
    invoice, voided = _existing_invoice(api, customer["id"], priced.ref)
    if invoice is None:
        draft = invoice_params(priced, customer["id"], invoice_text(priced, settings))
        if footer:
            draft["footer"] = footer
        # After a voided one, a new key: the old key would answer with the voided invoice for 24 hours.
        invoice = api.v1.invoices.create(
            params=draft,
            options={"idempotency_key": _key(f"draft-{voided}" if voided else "draft", draft)},
        ).to_dict()
    built = invoice["status"] == "draft"
    if built:
        if not invoice.get("total") and not invoice.get("lines", {}).get("data"):
            # A draft left by an interrupted request may already hold its items.
            items = invoice_items(priced, invoice["id"], customer["id"], settings.stripe_tax_rate_id)
            for number, item in enumerate(items, start=1):
                api.v1.invoice_items.create(
                    params=item,
                    options={"idempotency_key": _key(f"item-{number}", item)},
                )
        invoice = api.v1.invoices.finalize_invoice(
            invoice["id"],
            params={"auto_advance": False},
            options={"idempotency_key": _key("finalize", {"invoice": invoice["id"], "auto_advance": False})},
        ).to_dict()
    return invoice, built


def finalise_invoice(priced: PricedBooking, settings: InvoiceSettings) -> InvoiceFacts:
    """Make (or find) the booking's invoice and finalise it, not yet sent: send_invoice() once the booking has
    its places, void_invoice() if it cannot. StripeUnavailable (502/503) if Stripe fails."""
    import stripe

    assert priced.booking.billing is not None  # validation requires billing on an invoice booking
    api = client(settings)
    try:
        invoice, built = _finalised(api, priced, settings, priced.booking.billing.email, customer_params(priced))
    except stripe.StripeError as exc:
        raise unavailable(exc, "finalise_invoice") from None
    result = facts(invoice)
    # An invoice made now must match the quote; one found from an earlier request keeps its own amount.
    if (built and result.amount_due != priced.quote.total_pence) or not result.hosted_invoice_url:
        raise unavailable(
            ValueError(f"invoice {result.id} is due {result.amount_due}, quote is {priced.quote.total_pence}"),
            "check_invoice",
        )
    return result


def send_invoice(invoice_id: str, settings: StripeSettings) -> InvoiceFacts:
    """Have Stripe e-mail the (open) invoice to its customer; the same key every time, so twice is once."""
    import stripe

    api = client(settings)
    try:
        invoice = api.v1.invoices.retrieve(invoice_id).to_dict()
        if invoice["status"] == "open":
            invoice = api.v1.invoices.send_invoice(
                invoice_id, options={"idempotency_key": _key("send", {"invoice": invoice_id})}
            ).to_dict()
    except stripe.StripeError as exc:
        raise unavailable(exc, "send_invoice") from None
    return facts(invoice)


def void_invoice(invoice_id: str, settings: StripeSettings) -> None:
    """Void an invoice that was finalised for places the booking could not have (never sent)."""
    import stripe

    api = client(settings)
    try:
        invoice = api.v1.invoices.retrieve(invoice_id).to_dict()
        if invoice["status"] == "open":
            api.v1.invoices.void_invoice(invoice_id, options={"idempotency_key": _key("void", {"invoice": invoice_id})})
    except stripe.StripeError as exc:
        raise unavailable(exc, "void_invoice") from None


def _free_customer(priced: PricedBooking) -> tuple[str, dict[str, Any]]:
    """Whom a £0 invoice is made out to: the invoice contact if they gave one, else the booker."""
    if priced.booking.billing is not None:
        return priced.booking.billing.email, customer_params(priced)
    contact = priced.booking.contact
    return contact.email, {
        "email": contact.email,
        "name": contact.name,
        "business_name": contact.organisation,
        "preferred_locales": ["en-GB"],
        "metadata": {"created_for_booking": priced.ref},
    }


def record_free_booking(priced: PricedBooking, settings: InvoiceSettings) -> InvoiceFacts:
    """Make (or find, on a retry) a £0 booking's finalised £0 invoice. StripeUnavailable if Stripe fails.

    Why an invoice: Checkout in payment mode refuses a total below Stripe's minimum charge, and a PaymentIntent
    cannot be for £0. A £0 invoice needs no payment method and lists the places with the code's credit line: a
    VAT document for the booker's finance team. It is never sent, so Stripe e-mails nothing.
    """
    import stripe

    assert priced.quote.total_pence == 0, "only a £0 booking is recorded without a payment"
    api = client(settings)
    email, new_customer = _free_customer(priced)
    footer = f"No payment is due: discount code {priced.quote.code} covers booking {priced.ref}."
    try:
        invoice, _ = _finalised(api, priced, settings, email, new_customer, footer)
    except stripe.StripeError as exc:
        raise unavailable(exc, "record_free_booking") from None
    if invoice["status"] != "paid" or invoice.get("total") != 0:
        raise unavailable(ValueError(f"£0 invoice {invoice['id']} is {invoice['status']}"), "check_invoice")
    return facts(invoice)


def _differs(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        current = current or {}
        return any((current.get(k) or "") != (v or "") for k, v in wanted.items())
    return (current or "") != (wanted or "")
