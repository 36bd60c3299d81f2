"""Credit notes in the stand-in: what the organiser issues in the Dashboard to cancel or part-refund an invoiced
booking, with the preview the Dashboard shows first.

As Stripe does: a credit note first reduces what is still owed on the invoice (`pre_payment_amount`, never below
zero; an open invoice credited down to nothing is marked paid); what is left over (`post_payment_amount`) must
be given back as a refund to the card it was paid with, a credit to the customer's balance or out of band (a
bank transfer the organiser makes), and these must add up to it. Never more than the invoice's total is
credited. Each credit note raises a signed `credit_note.created` event. State lives on the StandIn.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import credit_note_schema as spec
from devtools.stripe_standin import objects
from devtools.stripe_standin.errors import StripeAPIError, not_found
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.validate import validate
from pricing.money import format_pence

if TYPE_CHECKING:
    from devtools.stripe_standin.billing import Billing
    from devtools.stripe_standin.core import Core


def _params(schema: spec.Hash, raw: str) -> dict[str, Any]:
    return validate(schema, nest(parse_pairs(raw)))


class CreditNotes:
    """Credit notes by id; `route()` answers /v1/credit_notes (create, preview, retrieve, list)."""

    def __init__(self, standin: Core, billing: Billing, refunds: dict[str, dict[str, Any]]) -> None:
        self.standin = standin
        self.billing = billing
        self.refunds = refunds  # the stand-in's refunds by id (refunds.Refunds), where a card refund is recorded
        self.notes: dict[str, dict[str, Any]] = {}

    # ---- routing (called with the StandIn's lock held) ----------------------------------------

    def route(self, method: str, parts: list[str], raw: str) -> dict[str, Any] | None:
        if parts[:2] != ["v1", "credit_notes"]:
            return None
        if len(parts) == 2 and method == "POST":
            note, stored = self._build(_params(spec.CREDIT_NOTE_CREATE, raw), preview=False)
            assert stored is not None
            self.standin.queue_event(stored)
            return note
        if len(parts) == 2 and method == "GET":
            params = _params(spec.CREDIT_NOTE_LIST, raw)
            found = [
                copy.deepcopy(n)
                for n in reversed(self.notes.values())
                if all(n[name] == params[name] for name in ("invoice", "customer") if name in params)
            ]
            return objects.paginate(found, params, "/v1/credit_notes")
        if len(parts) == 3 and parts[2] == "preview" and method == "GET":
            note, _ = self._build(_params(spec.CREDIT_NOTE_PREVIEW, raw), preview=True)
            return note
        if len(parts) == 3 and method == "GET":
            _params(spec.CREDIT_NOTE_RETRIEVE, raw)
            one = self.notes.get(parts[2])
            if one is None:
                raise not_found("credit_note", parts[2], "id")
            return copy.deepcopy(one)
        return None

    # ---- the rules -------------------------------------------------------------------------------

    def _build(self, params: dict[str, Any], preview: bool) -> tuple[dict[str, Any], Any]:
        invoice = self.billing._invoice(params["invoice"], "invoice")
        if invoice["status"] not in ("open", "paid"):
            raise StripeAPIError(
                f"A credit note can only be issued for an open or paid invoice; this one is {invoice['status']}.",
                param="invoice",
                code="invoice_not_editable",
            )
        rendered = self.billing.render(invoice)
        amount, lines = self._amount(params, rendered)
        currency = invoice["currency"].upper()
        credited = sum(
            n["total"] for n in self.notes.values() if n["invoice"] == invoice["id"] and n["status"] == "issued"
        )
        creditable = rendered["total"] - credited
        if amount > creditable:
            raise StripeAPIError(
                f"The credit note's total ({format_pence(amount, currency)}) is greater than the amount that can "
                f"still be credited on this invoice ({format_pence(creditable, currency)}).",
                param="amount",
                code="credit_note_amount_too_large",
            )
        pre = min(amount, rendered["amount_remaining"]) if invoice["status"] == "open" else 0
        post = amount - pre
        refund = params.get("refund_amount", 0)
        credit = params.get("credit_amount", 0)
        out_of_band = params.get("out_of_band_amount", 0)
        if refund + credit + out_of_band != post:
            raise StripeAPIError(
                f"The sum of refund_amount, credit_amount and out_of_band_amount ({refund + credit + out_of_band}) "
                f"must equal the credit note's post-payment amount ({post}).",
                param="refund_amount" if refund else "out_of_band_amount",
                code="parameter_invalid_integer",
            )
        if refund and self.billing.paid_by.get(invoice["id"]) != "card":
            raise StripeAPIError(
                "This invoice was not paid by card, so there is no charge to refund: credit the amount out of band "
                "(out_of_band_amount) and send the money back yourself.",
                param="refund_amount",
                code="charge_not_refundable",
            )
        refunded = sum(n["refund_amount"] for n in self.notes.values() if n["invoice"] == invoice["id"])
        if refund > invoice["amount_paid"] - refunded:
            raise StripeAPIError(
                "refund_amount is greater than what is left of the invoice's payment.",
                param="refund_amount",
                code="amount_too_large",
            )
        taxes = _tax_amounts(rendered, amount)
        tax = sum(t["amount"] for t in taxes)
        now = int(self.standin.clock())
        number = len([n for n in self.notes.values() if n["invoice"] == invoice["id"]]) + 1
        note: dict[str, Any] = {
            "id": objects.new_id("cnp_" if preview else "cn_"),
            "object": "credit_note",
            "amount": amount,
            "created": now,
            "currency": invoice["currency"],
            "customer": invoice["customer"],
            "effective_at": now,
            "invoice": invoice["id"],
            "lines": objects.list_object("/v1/credit_notes/lines", lines, False),
            "livemode": False,
            "memo": params.get("memo"),
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "number": f"{invoice['number']}-CN-{number:02d}",
            "out_of_band_amount": out_of_band or None,
            "credit_amount": credit,
            "refund_amount": refund,
            "pdf": f"{self.billing.invoice_url(invoice['id'])}/credit_notes/{number}",
            "post_payment_amount": post,
            "pre_payment_amount": pre,
            "reason": params.get("reason"),
            "refunds": [],
            "status": "issued",
            "subtotal": amount - tax,
            "subtotal_excluding_tax": amount - tax,
            "total": amount,
            "total_excluding_tax": amount - tax,
            "total_taxes": taxes,
            "type": "pre_payment" if post == 0 else "post_payment",
            "voided_at": None,
        }
        if preview:
            return note, None
        if refund:
            refund_object = {
                "id": objects.new_id("re_"),
                "object": "refund",
                "amount": refund,
                "charge": None,
                "created": now,
                "currency": invoice["currency"],
                "metadata": {},
                "payment_intent": None,
                "reason": None,
                "status": "succeeded",
            }
            self.refunds[refund_object["id"]] = refund_object
            note["refunds"] = [{"amount_refunded": refund, "refund": refund_object["id"], "type": "refund"}]
        self.notes[note["id"]] = note
        invoice["pre_payment_credit_notes_amount"] += pre
        invoice["post_payment_credit_notes_amount"] += post
        if invoice["status"] == "open" and self.billing.render(invoice)["amount_remaining"] == 0:
            # Nothing is owed any more: Stripe marks the invoice paid (with nothing paid) and says so.
            invoice["status"] = "paid"
            invoice["status_transitions"]["paid_at"] = now
            self.standin.queue_event(self.standin.new_event("invoice.paid", self.billing.render(invoice), now))
        return copy.deepcopy(note), self.standin.new_event("credit_note.created", note, now)

    def _amount(self, params: dict[str, Any], invoice: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
        """The credit note's total and its lines, from `amount` or `lines` (exactly one of them)."""
        if ("amount" in params) == ("lines" in params):
            raise StripeAPIError(
                "Give the credit note's amount or its lines (one of them, not both).",
                param="amount",
                code="parameter_missing" if "amount" not in params else "parameters_exclusive",
            )
        if "amount" in params:
            line = {"id": objects.new_id("cnli_"), "object": "credit_note_line_item", "amount": params["amount"]}
            line.update(description=params.get("memo") or "Credit", quantity=1, type="custom_line_item")
            return params["amount"], [line]
        by_id = {line["id"]: line for line in invoice["lines"]["data"]}
        made = []
        for index, line in enumerate(params["lines"]):
            if line["type"] == "invoice_line_item":
                original = by_id.get(line.get("invoice_line_item", ""))
                if original is None:
                    raise StripeAPIError(
                        f"No such invoice line item on this invoice: '{line.get('invoice_line_item')}'",
                        param=f"lines[{index}][invoice_line_item]",
                        code="resource_missing",
                    )
                if "amount" in line:
                    amount = line["amount"]
                elif "quantity" in line and original["quantity"]:
                    amount = original["amount"] * line["quantity"] // original["quantity"]
                else:
                    raise StripeAPIError(
                        "An invoice_line_item line needs its amount or quantity.", param=f"lines[{index}][amount]"
                    )
                if amount > original["amount"]:
                    raise StripeAPIError(
                        "A credit note line cannot credit more than its invoice line.",
                        param=f"lines[{index}][amount]",
                        code="credit_note_amount_too_large",
                    )
                description = original["description"]
            else:
                if "unit_amount" not in line:
                    raise StripeAPIError(
                        "A custom_line_item needs its unit_amount.",
                        param=f"lines[{index}][unit_amount]",
                        code="parameter_missing",
                    )
                amount = line["unit_amount"] * line.get("quantity", 1)
                description = line.get("description") or "Credit"
            made.append(
                {
                    "id": objects.new_id("cnli_"),
                    "object": "credit_note_line_item",
                    "amount": amount,
                    "description": description,
                    "quantity": line.get("quantity", 1),
                    "type": line["type"],
                }
            )
        total = sum(line["amount"] for line in made)
        if total <= 0:
            raise StripeAPIError(
                "A credit note's total must be greater than zero.", param="lines", code="amount_too_small"
            )
        return total, made

    # ---- what tests call ----------------------------------------------------------------------------

    def create(self, invoice_id: str, amount: int, **params: Any) -> dict[str, Any]:
        """Issue a credit note as the Dashboard does, then send `credit_note.created` (and any `invoice.paid`)."""
        with self.standin.lock:
            note, stored = self._build({"invoice": invoice_id, "amount": amount, **params}, preview=False)
            self.standin.queue_event(stored)
        self.standin.flush_events()
        return note

    def of(self, invoice_id: str) -> list[dict[str, Any]]:
        with self.standin.lock:
            return [copy.deepcopy(n) for n in self.notes.values() if n["invoice"] == invoice_id]


def _tax_amounts(invoice: dict[str, Any], amount: int) -> list[dict[str, Any]]:
    """The VAT in a credit of `amount` of the invoice's total: the same share of the invoice's VAT (half up)."""
    total, taxes = invoice["total"], invoice["total_taxes"]
    if not taxes or not total:
        return []
    tax = sum(t["amount"] for t in taxes)
    share = int((Decimal(amount) * tax / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if amount < total else tax
    first = taxes[0]
    return [
        {
            "amount": share,
            "tax_behavior": first["tax_behavior"],
            "tax_rate_details": first["tax_rate_details"],
            "taxability_reason": first["taxability_reason"],
            "taxable_amount": amount - share if first["tax_behavior"] == "inclusive" else amount,
            "type": first["type"],
        }
    ]
