"""The hosted test invoice page (an invoice's `hosted_invoice_url`): shows the invoice and pays it on a button press.

Same look and rules as the test checkout page: plain HTML, one same-origin stylesheet, no scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any

from devtools.stripe_standin.errors import StripeAPIError
from devtools.stripe_standin.hosted import Hosted, layout, redirect, send
from pricing.money import format_pence

LABEL = "Test invoice — no real payment is taken"


def handle(standin: Hosted, environ: dict[str, Any], start_response: Callable, parts: list[str]) -> Iterable[bytes]:
    """GET /invoice/<id> shows it; POST /invoice/<id>/pay pays it by card, /transfer by a bank transfer quoting
    its number (Stripe's test helper), /void voids it (then back to the page)."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    base = environ.get("SCRIPT_NAME", "").rstrip("/")
    invoice = _find(standin, parts[1]) if len(parts) >= 2 else None
    if invoice is None or invoice["status"] == "draft":
        body = layout(
            "Invoice not found", "<h1>Invoice not found</h1><p>There is no test invoice at this address.</p>", base
        )
        return send(start_response, "404 Not Found", body)
    if len(parts) == 2 and method == "GET":
        bank = None
        if "customer_balance" in ((invoice.get("payment_settings") or {}).get("payment_method_types") or []):
            bank = standin.billing.bank_details(invoice["customer"])
        return send(start_response, "200 OK", _page(invoice, base, bank))
    if len(parts) == 3 and parts[2] == "pdf" and method == "GET":
        # The invoice's `invoice_pdf`: Stripe serves a PDF there; the stand-in shows the same page instead.
        return redirect(start_response, f"{base}/invoice/{invoice['id']}")
    if len(parts) == 3 and parts[2] in ("pay", "transfer", "void") and method == "POST":
        if invoice["status"] == "open":
            try:
                if parts[2] == "pay":
                    standin.billing.pay(invoice["id"])
                elif parts[2] == "transfer":
                    standin.billing.fund(invoice["customer"], invoice["amount_remaining"], invoice["number"] or "")
                else:
                    standin.billing.void(invoice["id"])
            except StripeAPIError:
                pass  # paid or voided meanwhile: the page says so
        return redirect(start_response, f"{base}/invoice/{invoice['id']}")
    return send(
        start_response, "405 Method Not Allowed", layout("Method not allowed", "<h1>Method not allowed</h1>", base)
    )


def _find(standin: Hosted, invoice_id: str) -> dict[str, Any] | None:
    try:
        return standin.billing.invoice(invoice_id)
    except StripeAPIError:
        return None


def _day(timestamp: int | None) -> str:
    if not timestamp:
        return ""
    day = datetime.fromtimestamp(timestamp, UTC)
    return f"{day.day} {day:%B %Y}"


def _page(invoice: dict[str, Any], base: str, bank: dict[str, str] | None = None) -> str:
    currency = invoice["currency"].upper()
    money = lambda pence: escape(format_pence(pence, currency))  # noqa: E731 - one formatter for the whole page
    rows = "".join(
        f'<tr><td>{escape(line["description"] or "")}</td><td class="amount">{money(line["amount"])}</td></tr>'
        for line in invoice["lines"]["data"]
    )
    tax = sum(t["amount"] for t in invoice["total_taxes"])
    tax_row = f'<tr><th scope="row">Of which VAT</th><td class="amount">{money(tax)}</td></tr>' if tax else ""
    heading = {"paid": "Amount paid", "void": "Amount (voided)"}.get(invoice["status"], "Amount due")
    table = (
        f'<table><caption>Invoice {escape(invoice["number"] or "")}</caption><thead><tr><th scope="col">Item</th>'
        '<th scope="col" class="amount">Amount</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot>{tax_row}<tr><th scope="row">{heading}</th>'
        f'<td class="amount">{money(invoice["total"])}</td></tr></tfoot></table>'
    )
    address = invoice.get("customer_address") or {}
    lines = [address.get(k) or "" for k in ("line1", "line2", "city", "postal_code")]
    facts = [
        ("Billed to", invoice["customer_name"] or ""),
        ("Address", ", ".join(line for line in lines if line)),
        ("E-mail", invoice["customer_email"] or ""),
    ]
    facts += [(f["name"], f["value"]) for f in invoice["custom_fields"] or []]
    if invoice["due_date"]:
        facts.append(("Due", _day(invoice["due_date"])))
    details = "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts if v) + "</dl>"
    total = money(invoice["amount_remaining"])
    if invoice["status"] == "paid":
        action = f"<p><strong>This invoice was paid on {escape(_day(invoice['status_transitions']['paid_at']))}.</strong> Thank you.</p>"
        title = f"Paid — {LABEL}"
    elif invoice["status"] == "open":
        action = (
            f'<form method="post" action="{escape(base)}/invoice/{escape(invoice["id"])}/pay">'
            f'<button type="submit">Pay {total}</button></form>'
            '<h2 id="void">Cancel the invoice</h2>'
            "<p>Stands in for <em>Void invoice</em> in the Stripe Dashboard: nothing more is owed and Stripe "
            "sends the site a signed <code>invoice.voided</code> event.</p>"
            f'<form method="post" action="{escape(base)}/invoice/{escape(invoice["id"])}/void">'
            '<button type="submit">Void invoice</button></form>'
        )
        title = f"Invoice {invoice['number']}: {format_pence(invoice['amount_remaining'], currency)} due — {LABEL}"
    elif invoice["status"] == "void":
        voided = _day(invoice["status_transitions"]["voided_at"])
        action = f"<p><strong>This invoice was voided on {escape(voided)}.</strong> Nothing is owed on it.</p>"
        title = f"Void — {LABEL}"
    else:
        action = f"<p><strong>This invoice is {escape(invoice['status'])} and cannot be paid.</strong></p>"
        title = f"Invoice — {LABEL}"
    about = f"<p>{escape(invoice['description'])}</p>" if invoice["description"] else ""
    if bank is not None and invoice["status"] == "open":
        about += (
            "<h2>Pay by bank transfer</h2><dl>"
            f"<dt>Account name</dt><dd>{escape(bank['account_holder_name'])}</dd>"
            f"<dt>Sort code</dt><dd>{escape(bank['sort_code'])}</dd>"
            f"<dt>Account number</dt><dd>{escape(bank['account_number'])}</dd>"
            f"<dt>Reference</dt><dd>{escape(invoice['number'] or '')}</dd></dl>"
            "<p>Stands in for a transfer from the buyer's bank: Stripe's test helper funds the customer's cash "
            "balance, the transfer is matched to this invoice by its number and Stripe sends "
            "<code>invoice.paid</code>.</p>"
            f'<form method="post" action="{escape(base)}/invoice/{escape(invoice["id"])}/transfer">'
            f'<button type="submit">Send a bank transfer of {money(invoice["amount_remaining"])}</button></form>'
        )
    footer = f'<p class="detail">{escape(invoice["footer"])}</p>' if invoice["footer"] else ""
    content = (
        f"<h1>{LABEL}</h1>"
        "<p>This page stands in for Stripe's hosted invoice page while the site runs locally or under test. "
        "Pressing the button marks the invoice as paid; no card or bank transfer is asked for and no money moves.</p>"
        f"{details}{about}{table}{footer}{action}"
    )
    return layout(title, content, base)
