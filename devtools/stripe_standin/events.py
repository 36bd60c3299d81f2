"""Events and webhook endpoints in the stand-in, so an acceptance test can replay Stripe's deliveries.

Every event the stand-in raises is kept; `GET /v1/events` lists them newest first (filtered by `type`, with
`*` as a wildcard, or `types`) and `GET /v1/events/{id}` returns one, as Stripe does for 30 days. The stand-in
has at most one webhook endpoint, the URL it was started with (the dev server's /api/stripe-webhook);
`POST /v1/webhook_endpoints/{id}` with `disabled=true` stops deliveries while events are still recorded, so a
test can fetch an event and deliver it itself, any number of times. State lives on the StandIn, under its lock.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import event_schema as spec
from devtools.stripe_standin import objects
from devtools.stripe_standin.errors import StripeAPIError, not_found
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.validate import validate

if TYPE_CHECKING:
    from devtools.stripe_standin.core import Core


def _params(schema: spec.Hash, raw: str, updating: bool = False) -> dict[str, Any]:
    return validate(schema, nest(parse_pairs(raw)), updating=updating)


def endpoint(url: str, created: int) -> dict[str, Any]:
    """A `webhook_endpoint` listening to every event, as `stripe listen` or a Dashboard endpoint with `*`."""
    return {
        "id": objects.new_id("we_"),
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": created,
        "description": None,
        "enabled_events": ["*"],
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": url,
    }


def type_pattern(wanted: str) -> re.Pattern[str]:
    """`checkout.session.completed` matches itself; `checkout.session.*` (Stripe's wildcard) the whole group."""
    return re.compile(".*".join(re.escape(part) for part in wanted.split("*")))


class Events:
    """The event log's API view and the webhook endpoints; `route()` answers /v1/events and /v1/webhook_endpoints."""

    def __init__(self, standin: Core, webhook_url: str | None, created: int) -> None:
        self.standin = standin
        self.endpoints: dict[str, dict[str, Any]] = {}
        if webhook_url:
            first = endpoint(webhook_url, created)
            self.endpoints[first["id"]] = first

    def delivering(self) -> bool:
        """Whether an enabled endpoint would receive events now (lock held or not: one read of a dict)."""
        return any(e["status"] == "enabled" for e in list(self.endpoints.values()))

    # ---- routing (called with the StandIn's lock held) ----------------------------------------

    def route(self, method: str, parts: list[str], raw: str) -> dict[str, Any] | None:
        """The response body for an event or webhook endpoint call, or None if the path is not one of ours."""
        if parts[:2] == ["v1", "events"] and method == "GET":
            if len(parts) == 2:
                return self._list_events(_params(spec.EVENT_LIST, raw))
            if len(parts) == 3:
                _params(spec.EVENT_RETRIEVE, raw)
                for stored in self.standin.events:
                    if stored.id == parts[2]:
                        return json.loads(stored.payload)
                raise not_found("event", parts[2], "id")
        if parts[:2] == ["v1", "webhook_endpoints"]:
            if len(parts) == 2 and method == "GET":
                params = _params(spec.WEBHOOK_ENDPOINT_LIST, raw)
                newest_first = [copy.deepcopy(e) for e in reversed(self.endpoints.values())]
                return objects.paginate(newest_first, params, "/v1/webhook_endpoints")
            if len(parts) == 3 and method == "GET":
                _params(spec.WEBHOOK_ENDPOINT_RETRIEVE, raw)
                return copy.deepcopy(self._endpoint(parts[2]))
            if len(parts) == 3 and method == "POST":
                return self._update_endpoint(parts[2], _params(spec.WEBHOOK_ENDPOINT_UPDATE, raw, updating=True))
        return None

    def _list_events(self, params: dict[str, Any]) -> dict[str, Any]:
        if "type" in params and "types" in params:
            raise StripeAPIError(
                "You may pass either `type` or `types`, but not both.", param="types", code="parameters_exclusive"
            )
        events = [json.loads(stored.payload) for stored in reversed(self.standin.events)]
        if "type" in params:
            pattern = type_pattern(params["type"])
            events = [e for e in events if pattern.fullmatch(e["type"])]
        if "types" in params:
            events = [e for e in events if e["type"] in params["types"]]
        return objects.paginate(events, params, "/v1/events")

    def _endpoint(self, endpoint_id: str) -> dict[str, Any]:
        found = self.endpoints.get(endpoint_id)
        if found is None:
            raise not_found("webhook endpoint", endpoint_id, "webhook_endpoint")
        return found

    def _update_endpoint(self, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
        found = self._endpoint(endpoint_id)
        if "disabled" in params:
            found["status"] = "disabled" if params["disabled"] else "enabled"
        return copy.deepcopy(found)
