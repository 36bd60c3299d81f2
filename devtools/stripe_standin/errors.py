"""Stripe-shaped API errors, so the real SDK raises the same exception classes it would against Stripe."""

from __future__ import annotations

from typing import Any


class StripeAPIError(Exception):
    """One refusal: HTTP status plus the `{"error": {...}}` body Stripe would send."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int = 400,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.status = status
        self.type = type

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}


def unknown(param: str) -> StripeAPIError:
    return StripeAPIError(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")


def missing(param: str) -> StripeAPIError:
    return StripeAPIError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def invalid(param: str, message: str, code: str) -> StripeAPIError:
    return StripeAPIError(message, param=param, code=code)


def not_found(kind: str, object_id: str, param: str) -> StripeAPIError:
    return StripeAPIError(f"No such {kind}: '{object_id}'", param=param, code="resource_missing", status=404)
