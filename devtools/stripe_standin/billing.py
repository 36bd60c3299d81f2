"""Stripe Invoicing in the stand-in: customers, invoice items, invoices (draft -> open -> paid), search, and paying
(by card on the hosted page, by bank transfer into the customer's cash balance, or marked paid out of band).

Totals are Stripe's own arithmetic (the sum of the items, plus exclusive tax), simulated so the
project's pricing can be checked against what the invoice asks for. State lives on the StandIn and
is guarded by its lock; the `invoice.paid` event is delivered after the lock is released.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import billing_schema as spec
from devtools.stripe_standin import objects, search
from devtools.stripe_standin.errors import StripeAPIError, missing, not_found
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.validate import check_metadata_count, validate

if TYPE_CHECKING:
    from devtools.stripe_standin.core import Core

DAY = 24 * 60 * 60
_CUSTOMER_FIELDS = ("email", "name")
_INVOICE_FIELDS = ("customer", "status", "number", "currency", "collection_method")
_INTENT_FIELDS = ("status", "currency", "customer")


def _params(schema: spec.Hash, raw: str, updating: bool = False) -> dict[str, Any]:
    return validate(schema, nest(parse_pairs(raw)), updating=updating)


def _merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    if update == "":
        return {}
    merged = dict(current)
    for name, value in update.items():
        if value == "":
            merged.pop(name, None)
        else:
            merged[name] = value
    check_metadata_count(merged, "metadata")
    return merged


class Billing:
    """The invoicing half of the stand-in; `route()` answers /v1/customers, /v1/invoiceitems, /v1/invoices."""

    def __init__(self, standin: Core) -> None:
        self.standin = standin
        self.customers: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.sent: dict[str, int] = {}  # invoice id -> times sent
        self.paid_by: dict[str, str] = {}  # invoice id -> "card", "customer_balance" or "out_of_band"
        self.cash: dict[str, int] = {}  # customer id -> unapplied cash balance (bank transfers), in pence
        self.bank_accounts: dict[str, dict[str, str]] = {}  # customer id -> the virtual account Stripe shows
        self.account_tax_ids: dict[str, dict[str, Any]] = {}  # the account's own tax ids (Dashboard settings)
        self._numbers = 0

    # ---- routing (called with the StandIn's lock held) ----------------------------------------

    def route(self, method: str, parts: list[str], raw: str) -> dict[str, Any] | None:
        """The response body for an invoicing call, or None if the path is not one of ours."""
        if parts[:2] == ["v1", "customers"]:
            if len(parts) == 2 and method == "POST":
                return self._create_customer(_params(spec.CUSTOMER_CREATE, raw))
            if len(parts) == 2 and method == "GET":
                params = _params(spec.CUSTOMER_LIST, raw)
                # Stripe lists only customers that are not deleted, and its email filter is case-sensitive.
                found = [
                    c
                    for c in reversed(self.customers.values())
                    if not c.get("deleted") and ("email" not in params or c["email"] == params["email"])
                ]
                return objects.paginate(found, params, "/v1/customers")
            if len(parts) == 3 and parts[2] == "search" and method == "GET":
                return search.search(
                    [c for c in self.customers.values() if not c.get("deleted")],
                    _params(spec.CUSTOMER_SEARCH, raw),
                    "/v1/customers/search",
                    _CUSTOMER_FIELDS,
                )
            if len(parts) == 3 and method == "GET":
                _params(spec.CUSTOMER_RETRIEVE, raw)
                known = self.customers.get(parts[2])
                if known is not None and known.get("deleted"):
                    # A deleted customer can still be retrieved, as only its id and the fact (Stripe's API).
                    return {"id": known["id"], "object": "customer", "deleted": True}
                return copy.deepcopy(self._customer(parts[2], "id"))
            if len(parts) == 3 and method == "DELETE":
                _params(spec.CUSTOMER_DELETE, raw)
                return self._delete_customer(parts[2])
            if len(parts) == 3 and method == "POST":
                return self._update_customer(parts[2], _params(spec.CUSTOMER_UPDATE, raw, updating=True))
        funding = parts[:3] == ["v1", "test_helpers", "customers"] and parts[4:] == ["fund_cash_balance"]
        if funding and len(parts) == 5 and method == "POST":
            return self._fund(parts[3], _params(spec.CUSTOMER_FUND_CASH_BALANCE, raw))
        if parts[:2] == ["v1", "invoiceitems"] and len(parts) == 2 and method == "POST":
            return self._create_item(_params(spec.INVOICE_ITEM_CREATE, raw))
        if parts[:2] == ["v1", "invoices"]:
            if len(parts) == 2 and method == "POST":
                return self._create_invoice(_params(spec.INVOICE_CREATE, raw))
            if len(parts) == 2 and method == "GET":
                params = _params(spec.INVOICE_LIST, raw)
                found = [
                    i
                    for i in reversed(self.invoices.values())
                    if all(
                        i[name] == params[name]
                        for name in ("customer", "status", "collection_method")
                        if name in params
                    )
                ]
                return objects.paginate([self.render(i) for i in found], params, "/v1/invoices")
            if len(parts) == 3 and parts[2] == "search" and method == "GET":
                return search.search(
                    list(self.invoices.values()),
                    _params(spec.INVOICE_SEARCH, raw),
                    "/v1/invoices/search",
                    _INVOICE_FIELDS,
                    self.render,
                )
            if len(parts) == 3 and method == "GET":
                _params(spec.INVOICE_RETRIEVE, raw)
                return self.render(self._invoice(parts[2]))
            if len(parts) == 3 and method == "POST":
                return self._update_invoice(parts[2], _params(spec.INVOICE_UPDATE, raw, updating=True))
            if len(parts) == 4 and parts[3] == "finalize" and method == "POST":
                return self._finalize(parts[2], _params(spec.INVOICE_FINALIZE, raw))
            if len(parts) == 4 and parts[3] == "send" and method == "POST":
                _params(spec.INVOICE_SEND, raw)
                return self._send(parts[2])
            if len(parts) == 4 and parts[3] == "void" and method == "POST":
                _params(spec.INVOICE_VOID, raw)
                return self._void(parts[2])
            if len(parts) == 4 and parts[3] == "pay" and method == "POST":
                if not _params(spec.INVOICE_PAY, raw).get("paid_out_of_band"):
                    raise StripeAPIError(
                        "The local stand-in pays an invoice only as paid outside Stripe (paid_out_of_band=true); "
                        "its hosted invoice page pays it by card.",
                        param="paid_out_of_band",
                    )
                rendered, stored = self._paid(parts[2], "out_of_band")
                self.standin.queue_event(stored)
                return rendered
        if parts == ["v1", "payment_intents", "search"] and method == "GET":
            intents = list(self.standin.intents.values())
            return search.search(
                intents,
                _params(spec.PAYMENT_INTENT_SEARCH, raw),
                "/v1/payment_intents/search",
                _INTENT_FIELDS,
                copy.deepcopy,
            )
        return None

    # ---- customers --------------------------------------------------------------------------

    def _customer(self, customer_id: str, param: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None or customer.get("deleted"):
            raise not_found("customer", customer_id, param)
        return customer

    def _delete_customer(self, customer_id: str) -> dict[str, Any]:
        """Stripe's DELETE /v1/customers/{id}: permanent; the customer's details go from the API (its id stays,
        retrievable as deleted); a second delete is "No such customer". Finalised invoices keep their own copy of
        the customer's name, e-mail and address, as Stripe's do."""
        customer = self._customer(customer_id, "id")
        for name in ("address", "business_name", "description", "email", "name", "phone", "shipping"):
            customer[name] = None
        customer["metadata"] = {}
        customer["deleted"] = True
        return {"id": customer_id, "object": "customer", "deleted": True}

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        now = int(self.standin.clock())
        address = params.get("address")
        customer = {
            "id": objects.new_id("cus_", 14),
            "object": "customer",
            "address": {k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")}
            if address
            else None,
            "balance": 0,
            "business_name": params.get("business_name"),
            "created": now,
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "email": params.get("email"),
            "invoice_prefix": objects.new_id("", 8).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "name": params.get("name"),
            "phone": params.get("phone"),
            "preferred_locales": params.get("preferred_locales", []),
            "shipping": None,
            "tax_exempt": "none",
        }
        self.customers[customer["id"]] = customer
        return copy.deepcopy(customer)

    def _update_customer(self, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._customer(customer_id, "id")
        for name in ("name", "business_name", "preferred_locales"):
            if name in params:
                customer[name] = params[name]
        if "address" in params:
            address = params["address"] or {}
            customer["address"] = {
                k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")
            }
        return copy.deepcopy(customer)

    # ---- bank transfers (customer_balance) -------------------------------------------------------

    def bank_account(self, customer_id: str) -> dict[str, str]:
        """The customer's own virtual GB account number, as Stripe shows it on invoices payable by bank transfer."""
        if customer_id not in self.bank_accounts:
            digits = str(int(objects.new_id("", 12), 36) % 10**8).zfill(8)
            self.bank_accounts[customer_id] = {
                "account_holder_name": "Stripe Payments UK (test)",
                "sort_code": "10-88-00",
                "account_number": digits,
            }
        return dict(self.bank_accounts[customer_id])

    def bank_details(self, customer_id: str) -> dict[str, str]:
        with self.standin.lock:
            return self.bank_account(customer_id)

    def _fund(self, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """A bank transfer arrives (the test helper): into the cash balance, then reconciled with an open invoice
        payable by bank transfer, as Stripe's automatic reconciliation does: the invoice whose number the
        transfer's reference quotes, else the oldest whose amount remaining equals what is in the balance."""
        customer = self._customer(customer_id, "customer")
        if params["currency"] != "gbp":
            raise StripeAPIError(
                "This customer's cash balance is in gbp: a gb_bank_transfer can only fund gbp.",
                param="currency",
                code="parameter_invalid_currency",
            )
        now = int(self.standin.clock())
        self.cash[customer_id] = self.cash.get(customer_id, 0) + params["amount"]
        transaction = {
            "id": objects.new_id("ccsbtxn_"),
            "object": "customer_cash_balance_transaction",
            "created": now,
            "currency": "gbp",
            "customer": customer["id"],
            "ending_balance": self.cash[customer_id],
            "funded": {"bank_transfer": {"reference": params.get("reference"), "type": "gb_bank_transfer"}},
            "livemode": False,
            "net_amount": params["amount"],
            "type": "funded",
        }
        reference = (params.get("reference") or "").strip().upper()
        candidates = [
            i
            for i in self.invoices.values()
            if i["customer"] == customer_id and i["status"] == "open" and _by_bank_transfer(i)
        ]
        candidates.sort(key=lambda i: i["created"])
        quoted = [i for i in candidates if reference and i["number"] and i["number"].upper() in reference]
        for invoice in quoted or candidates:
            remaining = self.render(invoice)["amount_remaining"]
            if 0 < remaining <= self.cash[customer_id] and (quoted or remaining == self.cash[customer_id]):
                self.cash[customer_id] -= remaining
                _, stored = self._paid(invoice["id"], "customer_balance")
                self.standin.queue_event(stored)
                break
        return transaction

    def fund(self, customer_id: str, amount: int, reference: str = "") -> dict[str, Any]:
        """A bank transfer of `amount` pence arriving for the customer (as the test helper), then its events."""
        with self.standin.lock:
            params: dict[str, Any] = {"amount": amount, "currency": "gbp"}
            if reference:
                params["reference"] = reference
            result = self._fund(customer_id, params)
        self.standin.flush_events()
        return result

    def add_account_tax_id(self, value: str, kind: str = "gb_vat") -> str:
        """Register one of the account's own tax ids (Stripe keeps them in the Dashboard's settings)."""
        tax_id = objects.new_id("atxi_")
        with self.standin.lock:
            self.account_tax_ids[tax_id] = {
                "id": tax_id,
                "object": "tax_id",
                "country": "GB",
                "owner": {"type": "self"},
                "type": kind,
                "value": value,
                "verification": None,
            }
        return tax_id

    # ---- invoice items ----------------------------------------------------------------------

    def _create_item(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._customer(params["customer"], "customer")
        if "amount" not in params:
            raise missing("amount")
        invoice = None
        if "invoice" in params:
            invoice = self._invoice(params["invoice"], "invoice")
            if invoice["status"] != "draft":
                raise StripeAPIError(
                    "You can only add invoice items to draft invoices.", param="invoice", code="invoice_not_editable"
                )
            if invoice["customer"] != customer["id"]:
                raise StripeAPIError(
                    "The invoice belongs to another customer.", param="invoice", code="invoice_no_customer_line_items"
                )
        currency = params.get("currency") or (invoice["currency"] if invoice else None)
        if currency is None:
            raise missing("currency")
        if invoice and currency != invoice["currency"]:
            raise StripeAPIError(
                f"The currency of the invoice item ({currency}) must match the invoice's ({invoice['currency']}).",
                param="currency",
                code="parameter_invalid_currency",
            )
        rates = []
        for index, rate_id in enumerate(params.get("tax_rates", [])):
            if rate_id not in self.standin.tax_rates:
                raise StripeAPIError(
                    f"No such tax rate: '{rate_id}'", param=f"tax_rates[{index}]", code="resource_missing"
                )
            rates.append(dict(self.standin.tax_rates[rate_id]))
        now = int(self.standin.clock())
        item = {
            "id": objects.new_id("ii_"),
            "object": "invoiceitem",
            "amount": params["amount"],
            "currency": currency,
            "customer": customer["id"],
            "date": now,
            "description": params.get("description"),
            "discountable": params.get("discountable", True),
            "invoice": invoice["id"] if invoice else None,
            "livemode": False,
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "period": {"start": now, "end": now},
            "proration": False,
            "quantity": 1,
            "tax_rates": rates,
        }
        self.items[item["id"]] = item
        return copy.deepcopy(item)

    # ---- invoices ---------------------------------------------------------------------------

    def _invoice(self, invoice_id: str, param: str = "invoice") -> dict[str, Any]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise not_found("invoice", invoice_id, param)
        return invoice

    def _create_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        if "customer" not in params:
            raise missing("customer")
        customer = self._customer(params["customer"], "customer")
        method = params.get("collection_method", "charge_automatically")
        if method == "send_invoice" and "days_until_due" not in params:
            raise StripeAPIError(
                "Missing required param: days_until_due. It is required when collection_method is send_invoice.",
                param="days_until_due",
                code="parameter_missing",
            )
        if method != "send_invoice" and "days_until_due" in params:
            raise StripeAPIError(
                "days_until_due can only be set when collection_method is send_invoice.",
                param="days_until_due",
                code="parameter_invalid_integer",
            )
        currency = params.get("currency", "gbp")
        for index, tax_id in enumerate(params.get("account_tax_ids", [])):
            if tax_id not in self.account_tax_ids:
                raise StripeAPIError(
                    f"No such tax ID: '{tax_id}'", param=f"account_tax_ids[{index}]", code="resource_missing"
                )
        settings = _payment_settings(params.get("payment_settings"), currency)
        now = int(self.standin.clock())
        invoice = {
            "id": objects.new_id("in_"),
            "object": "invoice",
            "account_country": "GB",
            "account_name": "Stand-in test account",
            "account_tax_ids": list(params.get("account_tax_ids", [])) or None,
            "amount_due": 0,
            "amount_paid": 0,
            "amount_remaining": 0,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": params.get("auto_advance", False),
            "collection_method": method,
            "created": now,
            "currency": currency,
            "custom_fields": params.get("custom_fields") or None,
            "customer": customer["id"],
            "customer_address": copy.deepcopy(customer["address"]),
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "days_until_due": params.get("days_until_due"),
            "description": params.get("description"),
            "due_date": None,
            "footer": params.get("footer"),
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "livemode": False,
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "number": None,
            "paid_out_of_band": False,
            "payment_settings": settings,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": 0,
            "total": 0,
        }
        self.invoices[invoice["id"]] = invoice
        if params.get("pending_invoice_items_behavior") == "include":
            for item in self.items.values():
                if (
                    item["customer"] == customer["id"]
                    and item["invoice"] is None
                    and item["currency"] == invoice["currency"]
                ):
                    item["invoice"] = invoice["id"]
        return self.render(invoice)

    def _items_of(self, invoice_id: str) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i["invoice"] == invoice_id]

    def render(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """The invoice as the API returns it, with its lines and totals computed from its items."""
        body = copy.deepcopy(invoice)
        lines, taxes = [], []
        for item in self._items_of(invoice["id"]):
            item_taxes = []
            for rate in item["tax_rates"]:
                amount = objects.tax_amount(item["amount"], Decimal(str(rate["percentage"])), rate["inclusive"])
                item_taxes.append(
                    {
                        "amount": amount,
                        "tax_behavior": "inclusive" if rate["inclusive"] else "exclusive",
                        "tax_rate_details": {"tax_rate": rate["id"]},
                        "taxability_reason": "standard_rated",
                        "taxable_amount": item["amount"] - (amount if rate["inclusive"] else 0),
                        "type": "tax_rate_details",
                    }
                )
            taxes.extend(item_taxes)
            lines.append(
                {
                    "id": "il_" + item["id"].removeprefix("ii_"),
                    "object": "line_item",
                    "amount": item["amount"],
                    "currency": item["currency"],
                    "description": item["description"],
                    "invoice": invoice["id"],
                    "livemode": False,
                    "metadata": dict(item["metadata"]),
                    "parent": {
                        "type": "invoice_item_details",
                        "invoice_item_details": {"invoice_item": item["id"], "proration": False},
                    },
                    "period": dict(item["period"]),
                    "quantity": item["quantity"],
                    "taxes": item_taxes,
                }
            )
        subtotal = sum(line["amount"] for line in lines)
        exclusive = sum(t["amount"] for t in taxes if t["tax_behavior"] == "exclusive")
        tax = sum(t["amount"] for t in taxes)
        total = subtotal + exclusive
        paid = invoice["amount_paid"]
        body.update(
            lines=objects.list_object(f"/v1/invoices/{invoice['id']}/lines", lines, False),
            subtotal=subtotal,
            subtotal_excluding_tax=subtotal - (tax - exclusive),
            total=total,
            total_excluding_tax=total - tax,
            total_taxes=[
                {
                    k: t[k]
                    for k in (
                        "amount",
                        "tax_behavior",
                        "tax_rate_details",
                        "taxability_reason",
                        "taxable_amount",
                        "type",
                    )
                }
                for t in taxes
            ],
            amount_due=max(total - invoice["pre_payment_credit_notes_amount"], 0),
            amount_remaining=0
            if invoice["status"] == "void"
            else max(total - paid - invoice["pre_payment_credit_notes_amount"], 0),
        )
        return body

    def _update_invoice(self, invoice_id: str, params: dict[str, Any]) -> dict[str, Any]:
        invoice = self._invoice(invoice_id)
        if "metadata" in params:
            invoice["metadata"] = _merge_metadata(invoice["metadata"], params["metadata"])
        for name in ("description", "footer"):
            if name in params:
                invoice[name] = params[name]
        return self.render(invoice)

    def _finalize(self, invoice_id: str, params: dict[str, Any]) -> dict[str, Any]:
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "draft":
            raise StripeAPIError(
                "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                code="invoice_not_editable",
            )
        now = int(self.standin.clock())
        self._numbers += 1
        customer = self.customers[invoice["customer"]]
        invoice.update(
            status="open",
            number=f"{customer['invoice_prefix']}-{self._numbers:04d}",
            hosted_invoice_url=self.invoice_url(invoice_id),
            invoice_pdf=self.invoice_url(invoice_id) + "/pdf",
            auto_advance=params.get("auto_advance", invoice["auto_advance"]),
        )
        invoice["status_transitions"]["finalized_at"] = now
        if invoice["collection_method"] == "send_invoice":
            invoice["due_date"] = now + (invoice["days_until_due"] or 0) * DAY
        if _by_bank_transfer(invoice):
            self.bank_account(invoice["customer"])
        if self.render(invoice)["total"] == 0:
            # Nothing to collect: Stripe marks it paid at once and raises invoice.paid (no receipt is e-mailed).
            invoice["status"] = "paid"
            invoice["status_transitions"]["paid_at"] = now
            self.standin.queue_event(self.standin.new_event("invoice.paid", self.render(invoice), now))
        return self.render(invoice)

    def _send(self, invoice_id: str) -> dict[str, Any]:
        invoice = self._invoice(invoice_id)
        if invoice["collection_method"] != "send_invoice":
            raise StripeAPIError(
                "You can only manually send an invoice if its collection method is 'send_invoice'.",
                code="invoice_not_editable",
            )
        if invoice["status"] != "open":
            raise StripeAPIError(
                f"You can only send an open invoice; this one is {invoice['status']}.", code="invoice_not_editable"
            )
        self.sent[invoice_id] = self.sent.get(invoice_id, 0) + 1
        return self.render(invoice)

    def _void(self, invoice_id: str) -> dict[str, Any]:
        """Void an open invoice (nothing more is owed on it) and raise `invoice.voided`, as Stripe does."""
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "open":
            raise StripeAPIError(
                f"You can only void an open or uncollectible invoice; this one is {invoice['status']}.",
                code="invoice_not_editable",
            )
        now = int(self.standin.clock())
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = now
        rendered = self.render(invoice)
        self.standin.queue_event(
            self.standin.new_event("invoice.voided", rendered, now, previous_attributes={"status": "open"})
        )
        return rendered

    def receipt(self, session: dict[str, Any], items: list[dict[str, Any]], now: int) -> tuple[dict[str, Any], Any]:
        """The paid invoice a Checkout Session with `invoice_creation` leaves behind, and its `invoice.paid` event.

        Its lines are the session's line items (with their tax rates), so its total is what was charged.
        """
        data = session["invoice_creation"]["invoice_data"]
        details = session["customer_details"] or {}
        customer = self._create_customer({"email": details.get("email"), "name": details.get("name")})
        invoice_id = self._create_invoice(
            {
                "customer": customer["id"],
                "currency": session["currency"],
                "custom_fields": data.get("custom_fields") or [],
                "description": data.get("description"),
                "footer": data.get("footer"),
                "metadata": data.get("metadata") or {},
            }
        )["id"]
        for item in items:
            label = item["description"] if item["quantity"] == 1 else f"{item['description']} × {item['quantity']}"
            self._create_item(
                {
                    "customer": customer["id"],
                    "invoice": invoice_id,
                    "amount": item["amount_subtotal"],
                    "currency": item["currency"],
                    "description": label,
                    "tax_rates": [tax["rate"]["id"] for tax in item["taxes"]],
                }
            )
        discount = session["total_details"]["amount_discount"]
        if discount:
            names = [self.standin.coupons.coupons[d["coupon"]]["name"] for d in session["discounts"]]
            self._create_item(
                {
                    "customer": customer["id"],
                    "invoice": invoice_id,
                    "amount": -discount,
                    "currency": session["currency"],
                    "description": names[0] if names and names[0] else "Discount",
                }
            )
        self._finalize(invoice_id, {"auto_advance": False})
        invoice = self.invoices[invoice_id]
        total = self.render(invoice)["total"]
        invoice.update(status="paid", amount_paid=total, attempted=True, attempt_count=1)
        invoice["status_transitions"]["paid_at"] = now
        self.paid_by[invoice_id] = "card"
        rendered = self.render(invoice)
        return rendered, self.standin.new_event("invoice.paid", rendered, now)

    def invoice_url(self, invoice_id: str) -> str:
        return f"{self.standin.public_base}/invoice/{invoice_id}"

    # ---- paying (the hosted invoice page and tests) ---------------------------------------------

    def pay(self, invoice_id: str, how: str = "card") -> dict[str, Any]:
        """Pay an open invoice as its hosted page does (or `how`="out_of_band", as the Dashboard's "Mark as
        paid"): paid, then a signed `invoice.paid` webhook."""
        with self.standin.lock:
            rendered, stored = self._paid(invoice_id, how)
        self.standin.deliver_event(stored)
        return rendered

    def _paid(self, invoice_id: str, how: str) -> tuple[dict[str, Any], Any]:
        """Mark an open invoice paid (the caller holds the lock); it and its `invoice.paid` event."""
        standin = self.standin
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "open":
            raise StripeAPIError(f"This invoice is {invoice['status']} and cannot be paid.", code="invoice_not_open")
        now = int(standin.clock())
        remaining = self.render(invoice)["amount_remaining"]
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_paid"] + remaining,
            attempted=how != "out_of_band",
            attempt_count=0 if how == "out_of_band" else 1,
            paid_out_of_band=how == "out_of_band",
        )
        invoice["status_transitions"]["paid_at"] = now
        self.paid_by[invoice_id] = how
        rendered = self.render(invoice)
        return rendered, standin.new_event("invoice.paid", rendered, now)

    def void(self, invoice_id: str) -> dict[str, Any]:
        """Void an open invoice as the Dashboard does, then send the signed `invoice.voided` event."""
        with self.standin.lock:
            rendered = self._void(invoice_id)
        self.standin.flush_events()
        return rendered

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        with self.standin.lock:
            return self.render(self._invoice(invoice_id))

    def all_invoices(self) -> list[dict[str, Any]]:
        with self.standin.lock:
            return [self.render(i) for i in self.invoices.values()]

    def all_customers(self) -> list[dict[str, Any]]:
        with self.standin.lock:
            return [copy.deepcopy(c) for c in self.customers.values()]


def _by_bank_transfer(invoice: dict[str, Any]) -> bool:
    types = (invoice.get("payment_settings") or {}).get("payment_method_types") or []
    return "customer_balance" in types


def _payment_settings(params: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    """An invoice's payment_settings as Stripe renders them; refuses bank transfers Stripe would refuse."""
    params = params or {}
    types = params.get("payment_method_types") or None
    options = params.get("payment_method_options") or {}
    balance = options.get("customer_balance")
    if types and "customer_balance" in types:
        if currency != "gbp":
            raise StripeAPIError(
                "The payment method type `customer_balance` with gb_bank_transfer is only available for gbp invoices.",
                param="payment_settings[payment_method_types]",
                code="payment_method_unactivated",
            )
        if not balance or balance.get("funding_type") != "bank_transfer":
            raise StripeAPIError(
                "payment_settings[payment_method_options][customer_balance][funding_type] must be bank_transfer "
                "when payment_method_types includes customer_balance.",
                param="payment_settings[payment_method_options][customer_balance][funding_type]",
                code="parameter_missing",
            )
    elif balance:
        raise StripeAPIError(
            "payment_method_options[customer_balance] was given, but customer_balance is not in payment_method_types.",
            param="payment_settings[payment_method_options][customer_balance]",
        )
    rendered_options = None
    if balance:
        rendered_options = {
            "customer_balance": {
                "bank_transfer": {"type": (balance.get("bank_transfer") or {}).get("type", "gb_bank_transfer")},
                "funding_type": "bank_transfer",
            }
        }
    return {"default_mandate": None, "payment_method_options": rendered_options, "payment_method_types": types}
