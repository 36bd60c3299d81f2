"""HTML pages the function renders (errors for form posts, the confirmation page), always autoescaped."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booking.request import FieldError

if TYPE_CHECKING:
    from jinja2 import Environment

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_FIELD_LABELS = {
    "name": "full name",
    "email": "e-mail address",
    "organisation": "organisation",
    "job_title": "job title",
    "address": "postal address",
}
_BILLING_LABELS = {
    "name": "Send the invoice to (name)",
    "email": "Invoice e-mail address",
    "address": "Invoice postal address",
}
_TOP_LABELS = {
    "event": "Event",
    "category": "Fee category",
    "payment": "How to pay",
    "delegates": "Delegates",
    "accept_terms": "Terms and conditions",
    "website": "Website (leave empty)",
    "body": "The booking form",
    "contact": "Your details",
    "billing": "Invoice details",
    "purchase_order": "Purchase order number",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def field_label(path: str) -> str:
    """'delegates.1.email' -> 'Delegate 2: e-mail address'; 'contact.name' -> 'Your full name'."""
    parts = path.split(".")
    if parts[0] == "delegates" and len(parts) >= 3 and parts[1].isdigit():
        return f"Delegate {int(parts[1]) + 1}: {_FIELD_LABELS.get(parts[2], parts[2].replace('_', ' '))}"
    if parts[0] == "delegates" and len(parts) == 2 and parts[1].isdigit():
        return f"Delegate {int(parts[1]) + 1}"
    if parts[0] == "billing" and len(parts) >= 2:
        return _BILLING_LABELS.get(parts[1], "Invoice details")
    if parts[0] == "contact" and len(parts) >= 2:
        return f"Your {_FIELD_LABELS.get(parts[1], parts[1].replace('_', ' '))}"
    return _TOP_LABELS.get(parts[0], parts[0].replace("_", " ").capitalize())


def errors_page(errors: list[FieldError], back_url: str, title: str) -> str:
    rows = [{"label": field_label(e.field), "message": e.message} for e in errors]
    return render("booking_errors.html", title=title, errors=rows, back_url=back_url)


def message_page(
    title: str, message: str, back_url: str = "/", contact_email: str | None = None, show_contact: bool = True
) -> str:
    return render(
        "message.html",
        title=title,
        message=message,
        back_url=back_url,
        contact_email=contact_email,
        show_contact=show_contact,
    )
