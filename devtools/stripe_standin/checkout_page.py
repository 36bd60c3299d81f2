"""The hosted test checkout page: shows what Stripe would charge, pays on a button press, or cancels.

Plain HTML with one same-origin stylesheet: no scripts, no third-party requests, readable with JS off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from devtools.stripe_standin.errors import StripeAPIError
from devtools.stripe_standin.hosted import BANNER, Hosted, layout, redirect, send
from devtools.stripe_standin.validate import EMAIL_PATTERN
from pricing.money import format_pence, parse_amount_to_pence

LABEL = BANNER
_MAX_FORM_BYTES = 10_000

STYLESHEET = """\
:root { color-scheme: light; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       font-size: 1.0625rem; line-height: 1.5; color: #1a1a1a; background: #f6f7f9; }
.banner { background: #fff3cd; border-bottom: 3px solid #8a6d00; padding: 0.75rem 1rem; }
.banner p { margin: 0; max-width: 40rem; margin-inline: auto; }
main { box-sizing: border-box; max-width: 40rem; margin: 1.5rem auto; padding: 1.5rem; background: #fff;
       border: 1px solid #c9ccd1; border-radius: 0.5rem; }
h1 { font-size: 1.5rem; margin-top: 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-top: 1px solid #c9ccd1; padding-top: 1rem; }
table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.5rem; }
th, td { padding: 0.5rem 0.25rem; border-bottom: 1px solid #c9ccd1; text-align: left; vertical-align: top; }
td.amount, th.amount { text-align: right; white-space: nowrap; }
tfoot th, tfoot td { font-weight: 700; border-bottom: none; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input[type=email], input#amount { font: inherit; padding: 0.5rem; width: 100%; max-width: 24rem; border: 2px solid #555;
                    border-radius: 0.25rem; box-sizing: border-box; }
button { font: inherit; font-weight: 700; padding: 0.75rem 1.5rem; margin-top: 1rem; color: #fff;
         background: #1f4fd1; border: 2px solid #1f4fd1; border-radius: 0.375rem; cursor: pointer; min-height: 44px; }
button:hover { background: #163b9e; }
a { color: #1f4fd1; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #000; outline-offset: 2px; }
.detail { display: block; color: #4a4f57; font-size: 0.9375rem; }
.error { color: #a4000f; font-weight: 600; }
.cancel { margin-top: 1.5rem; }
@media (max-width: 30rem) {
  main { margin: 0; padding: 1rem; border: none; border-radius: 0; }
}
"""


# A plain square so browsers do not go looking for /favicon.ico on whatever server mounts the stand-in.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#8a6d00"/></svg>'
)


def handle(standin: Hosted, environ: dict[str, Any], start_response: Callable, path: str) -> Iterable[bytes]:
    """Route the non-API paths: the stylesheet, a checkout page, its pay action, a short index."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    base = environ.get("SCRIPT_NAME", "").rstrip("/")
    parts = path.strip("/").split("/")
    if path == "/assets/checkout.css" and method == "GET":
        return send(start_response, "200 OK", STYLESHEET, "text/css; charset=utf-8")
    if path == "/assets/favicon.svg" and method == "GET":
        return send(start_response, "200 OK", FAVICON, "image/svg+xml")
    if len(parts) == 2 and parts[0] == "checkout" and method == "GET":
        session = _find(standin, parts[1])
        if session is None:
            return _not_found(start_response, base)
        return send(start_response, "200 OK", _page(standin, session, base))
    if len(parts) == 3 and parts[0] == "checkout" and parts[2] == "pay" and method == "POST":
        return _pay(standin, environ, start_response, parts[1], base)
    if len(parts) == 3 and parts[0] == "checkout" and parts[2] == "refund" and method == "POST":
        return _refund(standin, environ, start_response, parts[1], base)
    if path == "/" and method == "GET":
        body = layout(
            "Local Stripe stand-in",
            "<h1>Local Stripe stand-in</h1><p>This server simulates the part of "
            "the Stripe API the booking function uses. Checkout pages live under "
            f"<code>{escape(base)}/checkout/&lt;session id&gt;</code>. No real payment is ever taken.</p>"
            f"{_index(standin, base)}",
            base,
        )
        return send(start_response, "200 OK", body)
    if method not in ("GET", "POST"):
        return send(
            start_response, "405 Method Not Allowed", layout("Method not allowed", "<h1>Method not allowed</h1>", base)
        )
    return _not_found(start_response, base)


def _index(standin: Hosted, base: str) -> str:
    """Every checkout and invoice, newest first, so a person trying the site can go back to pay, refund or void."""
    sessions = list(reversed(standin.sessions()))
    invoices = [i for i in reversed(standin.billing.all_invoices()) if i["status"] != "draft"]

    def money(pence: int, currency: str) -> str:
        return escape(format_pence(pence, currency.upper()))

    def session_row(s: dict[str, Any]) -> str:
        state = {"open": "awaiting payment", "complete": "paid", "expired": "expired"}[s["status"]]
        if s["status"] == "complete" and s["payment_intent"]:
            refunded = standin.refunds.charge_of(s["payment_intent"])["amount_refunded"]
            if refunded:
                state += f", {money(refunded, s['currency'])} refunded"
        link = f'<a href="{escape(base)}/checkout/{escape(s["id"])}">{escape(s["client_reference_id"] or s["id"])}</a>'
        return (
            f'<tr><td>{link}</td><td class="amount">{money(s["amount_total"], s["currency"])}</td><td>{state}</td></tr>'
        )

    def invoice_row(i: dict[str, Any]) -> str:
        link = f'<a href="{escape(base)}/invoice/{escape(i["id"])}">{escape(i["number"] or i["id"])}</a>'
        return f'<tr><td>{link}</td><td class="amount">{money(i["total"], i["currency"])}</td><td>{escape(i["status"])}</td></tr>'

    head = '<thead><tr><th scope="col">{}</th><th scope="col" class="amount">Amount</th><th scope="col">Status</th></tr></thead>'
    parts = []
    if sessions:
        rows = "".join(session_row(s) for s in sessions)
        parts.append(f"<table><caption>Checkouts</caption>{head.format('Booking')}<tbody>{rows}</tbody></table>")
    if invoices:
        rows = "".join(invoice_row(i) for i in invoices)
        parts.append(f"<table><caption>Invoices</caption>{head.format('Invoice')}<tbody>{rows}</tbody></table>")
    return "".join(parts) or "<p>No checkouts or invoices yet: make a booking on the site.</p>"


def _find(standin: Hosted, session_id: str) -> dict[str, Any] | None:
    try:
        return standin.session(session_id)
    except StripeAPIError:
        return None


def _pay(
    standin: Hosted, environ: dict[str, Any], start_response: Callable, session_id: str, base: str
) -> Iterable[bytes]:
    session = _find(standin, session_id)
    if session is None:
        return _not_found(start_response, base)
    if session["status"] != "open":
        return redirect(start_response, f"{base}/checkout/{session_id}")
    form = _form(environ)
    email = form.get("email", "").strip()
    if not session["customer_email"] and not EMAIL_PATTERN.match(email):
        page = _page(standin, session, base, error="Enter an e-mail address, like name@example.org, for the receipt.")
        return send(start_response, "400 Bad Request", page)
    try:
        paid = standin.complete(session_id, email=email or None)
    except StripeAPIError:
        return redirect(start_response, f"{base}/checkout/{session_id}")
    return redirect(start_response, paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))


def _form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), _MAX_FORM_BYTES)
    except ValueError:
        length = 0
    return dict(parse_qsl(environ["wsgi.input"].read(length).decode("utf-8", "replace"))) if length > 0 else {}


def _refund(
    standin: Hosted, environ: dict[str, Any], start_response: Callable, session_id: str, base: str
) -> Iterable[bytes]:
    """What the Dashboard's "Refund payment" does: all that is left, or the amount typed in pounds."""
    session = _find(standin, session_id)
    if session is None:
        return _not_found(start_response, base)
    if session["status"] != "complete" or not session["payment_intent"]:
        return redirect(start_response, f"{base}/checkout/{session_id}")
    text = _form(environ).get("amount", "").strip()
    try:
        amount = parse_amount_to_pence(text) if text else None
        if amount == 0:
            raise ValueError("Enter an amount of at least £0.01.")
        standin.refunds.refund(session["payment_intent"], amount)
    except (ValueError, StripeAPIError) as problem:
        message = problem.message if isinstance(problem, StripeAPIError) else str(problem)
        return send(start_response, "400 Bad Request", _page(standin, session, base, refund_error=message))
    return redirect(start_response, f"{base}/checkout/{session_id}")


def _refund_section(standin: Hosted, session: dict[str, Any], base: str, error: str | None) -> str:
    """The paid session's "Refund" forms, standing in for the Dashboard's, with what has been refunded so far."""
    currency = session["currency"].upper()
    charge = standin.refunds.charge_of(session["payment_intent"])
    left = charge["amount"] - charge["amount_refunded"]
    done = (
        f"<p>Refunded so far: <strong>{escape(format_pence(charge['amount_refunded'], currency))}</strong> "
        f"of {escape(format_pence(charge['amount'], currency))}.</p>"
        if charge["amount_refunded"]
        else ""
    )
    if left == 0:
        return f'<h2 id="refund">Refund</h2>{done}<p><strong>This payment has been refunded in full.</strong></p>'
    action = f"{escape(base)}/checkout/{escape(session['id'])}/refund"
    described = ' aria-describedby="amount-error" aria-invalid="true"' if error else ""
    problem = f'<p class="error" id="amount-error" role="alert">{escape(error)}</p>' if error else ""
    return (
        '<h2 id="refund">Refund</h2>'
        "<p>Stands in for <em>Refund payment</em> in the Stripe Dashboard: Stripe gives the money back and "
        "sends the site a signed <code>charge.refunded</code> event.</p>"
        f"{done}"
        f'<form method="post" action="{action}"><button type="submit">'
        f"Refund in full ({escape(format_pence(left, currency))})</button></form>"
        f'<form method="post" action="{action}">{problem}'
        '<label for="amount">Amount to refund, in pounds (for example 50.00)</label>'
        f'<input id="amount" name="amount" inputmode="decimal" autocomplete="off" required{described}>'
        '<button type="submit">Refund part</button></form>'
    )


def _page(
    standin: Hosted, session: dict[str, Any], base: str, error: str | None = None, refund_error: str | None = None
) -> str:
    currency = session["currency"].upper()
    money = lambda pence: escape(format_pence(pence, currency))  # noqa: E731 - one formatter for the whole page
    total = money(session["amount_total"])
    rows = "".join(
        f'<tr><td>{escape(item["description"])}<span class="detail">Quantity {item["quantity"]} × '
        f"{money(item['price']['unit_amount'])}</span></td>"
        f'<td class="amount">{money(item["amount_total"] + item["amount_discount"])}</td></tr>'
        for item in standin.line_items(session["id"])
    )
    tax = session["total_details"]["amount_tax"]
    tax_row = f'<tr><th scope="row">Of which tax</th><td class="amount">{money(tax)}</td></tr>' if tax else ""
    discount = session["total_details"]["amount_discount"]
    if discount:
        names = [standin.coupons.coupons[d["coupon"]]["name"] or "Discount" for d in session["discounts"]]
        tax_row = f'<tr><th scope="row">{escape(names[0])}</th><td class="amount">−{money(discount)}</td></tr>{tax_row}'
    table = (
        '<table><caption>Your order</caption><thead><tr><th scope="col">Item</th>'
        '<th scope="col" class="amount">Amount</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot>{tax_row}<tr><th scope="row">Total to pay</th>'
        f'<td class="amount">{total}</td></tr></tfoot></table>'
    )
    if session["status"] == "complete":
        back = escape(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
        receipt = ""
        if session["invoice"]:
            invoice = standin.billing.invoice(session["invoice"])
            receipt = f'<p><a href="{escape(invoice["hosted_invoice_url"])}">VAT receipt (invoice {escape(invoice["number"])})</a></p>'
        content = (
            f"<h1>{LABEL}</h1><p><strong>This checkout has already been paid.</strong> "
            f'It cannot be paid again.</p>{table}{receipt}<p><a href="{back}">Return to the site</a></p>'
            f"{_refund_section(standin, session, base, refund_error)}"
        )
        return layout(f"Already paid — {LABEL}", content, base)
    if session["status"] == "expired":
        back = (
            f'<p><a href="{escape(session["cancel_url"])}">Return to the site</a></p>' if session["cancel_url"] else ""
        )
        content = (
            f"<h1>{LABEL}</h1><p><strong>This checkout has expired.</strong> "
            f"It can no longer be paid; start a new booking instead.</p>{back}"
        )
        return layout(f"Expired — {LABEL}", content, base)
    if session["customer_email"]:
        who = f"<p>Receipt to: <strong>{escape(session['customer_email'])}</strong></p>"
        field = ""
    else:
        who = ""
        described = ' aria-describedby="email-error"' if error else ""
        field = (
            '<label for="email">E-mail address for the receipt</label>'
            f'<input id="email" name="email" type="email" autocomplete="email" required{described}>'
        )
    problem = f'<p class="error" id="email-error" role="alert">{escape(error)}</p>' if error else ""
    cancel = (
        f'<p class="cancel"><a href="{escape(session["cancel_url"])}">Cancel and return</a></p>'
        if session["cancel_url"]
        else ""
    )
    content = (
        f"<h1>{LABEL}</h1>"
        "<p>This page stands in for Stripe's checkout while the site runs locally or under test. "
        "Pressing the button below marks the booking as paid; no card is asked for and no money moves.</p>"
        f"{table}{who}{problem}"
        f'<form method="post" action="{escape(base)}/checkout/{escape(session["id"])}/pay">{field}'
        f'<button type="submit">Pay {total}</button></form>{cancel}'
    )
    return layout(f"Pay {total} — {LABEL}", content, base)


def _not_found(start_response: Callable, base: str) -> Iterable[bytes]:
    body = layout(
        "Checkout not found", "<h1>Checkout not found</h1><p>There is no test checkout at this address.</p>", base
    )
    return send(start_response, "404 Not Found", body)
