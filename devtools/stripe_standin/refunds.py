"""Charges and refunds in the stand-in: what an organiser does in the Dashboard when a card booking is cancelled.

A paid session leaves a PaymentIntent and its Charge; `POST /v1/refunds` gives back some or all of it, as
Stripe does (never more than is left, only a succeeded payment), and raises a signed `charge.refunded`
event carrying the Charge. State lives on the StandIn and is guarded by its lock.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import objects
from devtools.stripe_standin import refund_schema as spec
from devtools.stripe_standin.errors import StripeAPIError, missing, not_found
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.validate import validate
from pricing.money import format_pence

if TYPE_CHECKING:
    from devtools.stripe_standin.core import Core, StoredEvent


def _params(schema: spec.Hash, raw: str) -> dict[str, Any]:
    return validate(schema, nest(parse_pairs(raw)))


def charge(intent: dict[str, Any], created: int) -> dict[str, Any]:
    """The succeeded Charge behind a paid PaymentIntent (its `latest_charge`), metadata copied as Stripe does."""
    return {
        "id": intent["latest_charge"],
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"],
        "amount_refunded": 0,
        "balance_transaction": objects.new_id("txn_"),
        "billing_details": {"address": None, "email": intent.get("receipt_email"), "name": None, "phone": None},
        "captured": True,
        "created": created,
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "description": intent.get("description"),
        "disputed": False,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "paid": True,
        "payment_intent": intent["id"],
        "payment_method": intent.get("payment_method"),
        "receipt_email": intent.get("receipt_email"),
        "refunded": False,
        "status": "succeeded",
    }


class Refunds:
    """Charges by id and the refunds made against them; `route()` answers /v1/refunds and /v1/charges."""

    def __init__(self, standin: Core) -> None:
        self.standin = standin
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}

    def add_charge(self, intent: dict[str, Any], created: int) -> None:
        self.charges[intent["latest_charge"]] = charge(intent, created)

    # ---- routing (called with the StandIn's lock held) ----------------------------------------

    def route(self, method: str, parts: list[str], raw: str) -> dict[str, Any] | None:
        """The response body for a refund or charge call, or None if the path is not one of ours."""
        if parts[:2] == ["v1", "refunds"]:
            if len(parts) == 2 and method == "POST":
                return self._create(_params(spec.REFUND_CREATE, raw))
            if len(parts) == 3 and method == "GET":
                _params(spec.REFUND_RETRIEVE, raw)
                refund = self.refunds.get(parts[2])
                if refund is None:
                    raise not_found("refund", parts[2], "id")
                return copy.deepcopy(refund)
        if parts[:2] == ["v1", "charges"] and len(parts) == 3 and method == "GET":
            _params(spec.CHARGE_RETRIEVE, raw)
            return copy.deepcopy(self._charge(parts[2], "id", status=404))
        return None

    def _charge(self, charge_id: str, param: str, status: int = 400) -> dict[str, Any]:
        found = self.charges.get(charge_id)
        if found is None:
            raise StripeAPIError(f"No such charge: '{charge_id}'", param=param, code="resource_missing", status=status)
        return found

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        if "payment_intent" in params and "charge" in params:
            raise StripeAPIError(
                "You may only specify one of these parameters: charge, payment_intent.",
                param="payment_intent",
                code="parameters_exclusive",
            )
        if "payment_intent" in params:
            intent_id = params["payment_intent"]
            intent = self.standin.intents.get(intent_id)
            if intent is None:
                raise StripeAPIError(
                    f"No such payment_intent: '{intent_id}'", param="payment_intent", code="resource_missing"
                )
            if intent["status"] != "succeeded" or intent["latest_charge"] not in self.charges:
                raise StripeAPIError(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                    code="charge_not_refundable",
                )
            target = self.charges[intent["latest_charge"]]
        elif "charge" in params:
            target = self._charge(params["charge"], "charge")
        else:
            raise missing("payment_intent")
        left = target["amount"] - target["amount_refunded"]
        if left == 0:
            raise StripeAPIError(
                f"Charge {target['id']} has already been refunded.", code="charge_already_refunded", param="charge"
            )
        amount = params.get("amount", left)
        if amount > left:
            currency = target["currency"].upper()
            raise StripeAPIError(
                f"Refund amount ({format_pence(amount, currency)}) is greater than unrefunded amount on charge "
                f"({format_pence(left, currency)})",
                param="amount",
                code="amount_too_large",
            )
        now = int(self.standin.clock())
        refund = {
            "id": objects.new_id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": objects.new_id("txn_"),
            "charge": target["id"],
            "created": now,
            "currency": target["currency"],
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "payment_intent": target["payment_intent"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        previous: dict[str, Any] = {"amount_refunded": target["amount_refunded"]}
        target["amount_refunded"] += amount
        if target["amount_refunded"] == target["amount"]:
            target["refunded"] = True
            previous["refunded"] = False
        self.standin.queue_event(self._event("charge.refunded", target, now, previous))
        body = copy.deepcopy(refund)
        for name in params.get("expand", []):
            if name == "charge":
                body["charge"] = copy.deepcopy(target)
            elif body["payment_intent"]:
                body["payment_intent"] = copy.deepcopy(self.standin.intents[body["payment_intent"]])
        return body

    def _event(self, kind: str, obj: dict[str, Any], now: int, previous: dict[str, Any]) -> StoredEvent:
        return self.standin.new_event(kind, obj, now, previous_attributes=previous)

    # ---- what tests and the test checkout page call --------------------------------------------

    def refund(self, payment_intent: str, amount: int | None = None) -> dict[str, Any]:
        """Refund as the Dashboard does (all that is left, or `amount` pence), then send `charge.refunded`."""
        standin = self.standin
        with standin.lock:
            params: dict[str, Any] = {"payment_intent": payment_intent}
            if amount is not None:
                params["amount"] = amount
            result = self._create(params)
        standin.flush_events()
        return result

    def charge_of(self, payment_intent: str) -> dict[str, Any]:
        with self.standin.lock:
            intent = self.standin.intents.get(payment_intent)
            if intent is None or intent["latest_charge"] not in self.charges:
                raise not_found("payment_intent", payment_intent, "payment_intent")
            return copy.deepcopy(self.charges[intent["latest_charge"]])
