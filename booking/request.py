"""The booking request: what a booking form may send (pydantic models), the messages a person sees when it is
not right, and the record a valid request becomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from booking.record import Amount, Attendee, BillingDetails, BookingRecord
from booking.record import Contact as RecordContact
from booking.text import checked, checked_lines, deliverable_email, normalise
from pricing import Quote


class FieldError(NamedTuple):
    """One thing to fix, named by its field path (`delegates.0.email`)."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


MAX_DELEGATES_ANY_EVENT = 50  # the fee table caps max_delegates at 50; each event may allow fewer

Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]


# One line of text a person typed, normalised and checked; written out so that type checkers see a str.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    BeforeValidator(normalise),
    AfterValidator(checked),
]
Organisation = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=150),
    BeforeValidator(normalise),
    AfterValidator(checked),
]
OptionalText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=0, max_length=150),
    BeforeValidator(normalise),
    AfterValidator(checked),
]
# One line about what a delegate needs arranged (captions, an interpreter); more detail goes by e-mail.
ACCESS_NEEDS_MAX = 300
AccessNeeds = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=0, max_length=ACCESS_NEEDS_MAX),
    BeforeValidator(normalise),
    AfterValidator(checked),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    BeforeValidator(normalise),
    AfterValidator(deliverable_email),
]
MAX_ADDRESS_LINES = 6


def _few_lines(value: str) -> str:
    if len(value.split("\n")) > MAX_ADDRESS_LINES:
        raise PydanticCustomError("too_many_lines", "lines")
    return value


# A postal address as people type it into a textarea; lines are kept, blank ones dropped, at most six.
PostalAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    BeforeValidator(normalise),
    AfterValidator(checked_lines),
    AfterValidator(_few_lines),
]
# Stripe shows the PO number as an invoice custom field, whose value may be at most 140 characters.
PurchaseOrder = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=0, max_length=140),
    BeforeValidator(normalise),
    AfterValidator(checked),
]
# A discount code as the fee table spells them (pricing.models): letters, digits, hyphens, underscores; any case.
DiscountCodeText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[A-Za-z0-9_-]*$")]


class _Input(BaseModel):
    # Anything else the client sends (a price, an amount, a total) is ignored, never trusted.
    # defer_build: validators are built at first use, so a cold start builds only the models its request needs.
    model_config = ConfigDict(
        extra="ignore", frozen=True, str_max_length=1000, hide_input_in_errors=True, defer_build=True
    )


class Contact(_Input):
    """The person who books (and usually pays): receipts and questions go to them."""

    name: PersonName
    email: Email
    organisation: Organisation


class Delegate(_Input):
    """One person attending."""

    name: PersonName
    email: Email
    job_title: OptionalText = ""
    organisation: OptionalText = ""
    access_needs: AccessNeeds = ""  # shown to the organisers (and the booker), never to other delegates


class Billing(_Input):
    """Who the invoice goes to (often a finance team) and the address printed on it."""

    name: Organisation  # a person or a team ("Accounts Payable, Leeds Teaching Hospitals"), up to 150 characters
    email: Email
    address: PostalAddress

    @property
    def address_lines(self) -> list[str]:
        return self.address.split("\n")


class BookingRequest(_Input):
    """One booking: an event, a fee category, how to pay, the booker and 1..N delegates."""

    event: Slug
    category: Slug
    # "quote": a quotation to raise a purchase order against (priced as an invoice booking), not a booking.
    intent: Literal["book", "quote"] = "book"
    payment: Literal["card", "invoice"] = "card"
    contact: Contact
    delegates: list[Delegate] = Field(min_length=1, max_length=MAX_DELEGATES_ANY_EVENT)
    accept_terms: bool
    # Only for payment=invoice: who the invoice goes to, and the buyer's purchase-order number if they have one.
    billing: Billing | None = Field(default=None, validate_default=True)
    purchase_order: PurchaseOrder = ""
    # An invoice booking made before the PO exists: no invoice until the PO is added from the booker's link.
    po_to_follow: bool = False
    # A discount code from the organiser (matched whatever its case by pricing.quote); "" for none.
    code: DiscountCodeText = ""
    # A honeypot: hidden from people by the form, filled in by bots.
    website: Annotated[str, StringConstraints(max_length=200)] = ""

    @field_validator("accept_terms")
    @classmethod
    def _must_accept(cls, value: bool) -> bool:
        if value is not True:
            raise PydanticCustomError("terms_not_accepted", "terms")
        return value

    @field_validator("website")
    @classmethod
    def _honeypot_empty(cls, value: str) -> str:
        if value.strip():
            raise PydanticCustomError("honeypot", "honeypot")
        return value

    @model_validator(mode="before")
    @classmethod
    def _billing_only_for_invoices(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("intent") == "quote":
            # A quotation is priced as an invoice booking; its PO and invoice details come when it is accepted.
            kept = ("billing", "purchase_order", "po_to_follow", "payment")
            return {**{k: v for k, v in data.items() if k not in kept}, "payment": "invoice"}
        # A visitor who started on the invoice fields and then chose card must not be held up by them.
        if isinstance(data, dict) and data.get("payment", "card") != "invoice":
            return {k: v for k, v in data.items() if k not in ("billing", "purchase_order", "po_to_follow")}
        if isinstance(data, dict) and data.get("po_to_follow") in (True, "true", "on", "1"):
            return {k: v for k, v in data.items() if k != "purchase_order"}  # the PO comes later, from the link
        return data

    @field_validator("billing", mode="before")
    @classmethod
    def _blank_billing_is_none(cls, value: Any) -> Any:
        # The no-JavaScript form always sends the billing fields; left blank on a card booking they mean "none".
        if isinstance(value, dict) and all(isinstance(v, str) and not v.strip() for v in value.values()):
            return None
        return value

    @field_validator("billing", mode="after")
    @classmethod
    def _invoice_needs_billing(cls, value: Billing | None, info: ValidationInfo) -> Billing | None:
        # A field check (not a model check) so that it is reported together with every other problem.
        if value is None and info.data.get("payment") == "invoice" and info.data.get("intent") != "quote":
            raise PydanticCustomError("billing_required", "billing")
        return value

    def to_record(self, ref: str, amounts: Sequence[Amount]) -> BookingRecord:
        """The record this booking is stored as, with what each delegate's place costs."""
        return BookingRecord(
            ref=ref,
            event=self.event,
            category=self.category,
            payment=self.payment,
            contact=RecordContact(
                name=self.contact.name, email=self.contact.email, organisation=self.contact.organisation
            ),
            delegates=tuple(
                Attendee(
                    name=d.name,
                    email=d.email,
                    job_title=d.job_title,
                    organisation=d.organisation,
                    access_needs=d.access_needs,
                )
                for d in self.delegates
            ),
            amounts=tuple(amounts),
            purchase_order=self.purchase_order if self.payment == "invoice" else "",
            is_quote=self.intent == "quote",
            po_to_follow=self.po_to_follow and self.payment == "invoice" and self.intent == "book",
            billing=BillingDetails(name=self.billing.name, email=self.billing.email, address=self.billing.address)
            if self.payment == "invoice" and self.billing is not None
            else None,
        )


class DelegateChanges(_Input):
    """What the booker's private page sends: every delegate of the booking, in order, checked like a new booking's."""

    delegates: list[Delegate] = Field(min_length=1, max_length=MAX_DELEGATES_ANY_EVENT)

    def attendees(self) -> tuple[Attendee, ...]:
        """The delegates as the record stores them."""
        return tuple(Attendee(**d.model_dump()) for d in self.delegates)


class AccessNeedsChange(_Input):
    """What a delegate's own access-needs page sends: their access needs ("" to remove them)."""

    access_needs: AccessNeeds = ""


def amounts(priced: Quote) -> tuple[Amount, ...]:
    """The quote's lines as the record stores them: net and VAT per delegate, in delegate order."""
    return tuple(Amount(net_pence=line.net_pence, vat_pence=line.vat_pence) for line in priced.lines)


def _error_at(field: str, kind: str) -> ValidationError:
    return ValidationError.from_exception_data(
        "BookingRequest", [InitErrorDetails(type=PydanticCustomError(kind, kind), loc=(field,), input=None)]
    )


_FIELD_MESSAGES: dict[tuple[str, str], str] = {
    ("email", "value_error"): "Enter {whose} e-mail address, like name@nhs.net",
    ("email", "missing"): "Enter {whose} e-mail address, like name@nhs.net",
    ("email", "string_too_short"): "Enter {whose} e-mail address, like name@nhs.net",
    ("email", "string_too_long"): "{Whose_cap} e-mail address is too long: use one of at most 254 characters",
    ("name", "missing"): "Enter {whose} full name",
    ("name", "string_too_short"): "Enter {whose} full name",
    ("name", "string_too_long"): "{Whose_cap} name is too long: shorten it to 100 characters or fewer",
    ("organisation", "missing"): "Enter {whose} organisation, like Leeds Teaching Hospitals NHS Trust",
    ("organisation", "string_too_short"): "Enter {whose} organisation, like Leeds Teaching Hospitals NHS Trust",
    ("organisation", "string_too_long"): "{Whose_cap} organisation is too long: shorten it to 150 characters or fewer",
    ("job_title", "string_too_long"): "{Whose_cap} job title is too long: shorten it to 150 characters or fewer",
    ("access_needs", "string_too_long"): (
        "{Whose_cap} access needs are too long for this form: shorten them to 300 characters or fewer, and e-mail us "
        "the rest"
    ),
    ("event", "missing"): "Choose the event to book (open the booking form from the event's page)",
    ("event", "string_pattern_mismatch"): "That is not one of our events: open the booking form from the event's page",
    ("category", "missing"): "Choose the fee category that fits the delegates' organisation",
    ("category", "string_pattern_mismatch"): "Choose one of the fee categories listed on the event page",
    ("payment", "literal_error"): "Choose how to pay: by card now, or by invoice",
    ("intent", "literal_error"): "Choose to book, or to ask for a quote",
    ("po_to_follow", "bool_parsing"): "Tick the box if the purchase order number is to follow, or leave it empty",
    ("delegates", "missing"): "Add at least one delegate",
    ("delegates", "too_short"): "Add at least one delegate",
    ("delegates", "too_long"): "One booking can hold at most {max} delegates; make a second booking for the others",
    ("delegates", "list_type"): "Add the delegates as a list, one entry per delegate",
    ("accept_terms", "missing"): "Tick the box to accept the booking terms and conditions",
    ("accept_terms", "terms_not_accepted"): "Tick the box to accept the booking terms and conditions",
    ("accept_terms", "bool_parsing"): "Tick the box to accept the booking terms and conditions",
    ("accept_terms", "bool_type"): "Tick the box to accept the booking terms and conditions",
    ("website", "honeypot"): "Leave this field empty (it is there to catch automated form fillers)",
    (
        "billing",
        "billing_required",
    ): "To pay by invoice, enter who the invoice goes to: name, e-mail address and postal address",
    ("billing", "missing"): "To pay by invoice, enter who the invoice goes to: name, e-mail address and postal address",
    ("address", "missing"): "Enter the postal address for the invoice",
    ("address", "string_too_short"): "Enter the postal address for the invoice",
    ("address", "string_too_long"): "The invoice address is too long: shorten it to 500 characters or fewer",
    ("billing.name", "missing"): "Enter who the invoice goes to: a person or a team, like Accounts Payable",
    ("billing.name", "string_too_short"): "Enter who the invoice goes to: a person or a team, like Accounts Payable",
    ("billing.name", "string_too_long"): "The invoice name is too long: shorten it to 150 characters or fewer",
    ("address", "too_many_lines"): "The invoice address has too many lines: use at most 6",
    (
        "code",
        "string_pattern_mismatch",
    ): "A discount code is letters and digits with no spaces: check the one you were given",
    ("code", "string_too_long"): "A discount code is at most 40 letters and digits: check the one you were given",
    ("code", "string_type"): "A discount code is letters and digits with no spaces: check the one you were given",
    ("purchase_order", "string_too_long"): "The purchase order number is too long: use at most 140 characters",
}

# Text a person typed that cannot be stored or shown as typed (booking.text), for every text field.
_TEXT_MESSAGES: dict[str, str] = {
    "control_characters": (
        "{Whose_cap} {label} contains a line break, tab or other control character: type it on one line, "
        "with letters, numbers and punctuation only"
    ),
    "bidi_characters": (
        "{Whose_cap} {label} contains hidden characters that change the direction of the text: type it again "
        "without them"
    ),
    "nothing_visible": "Enter {whose} {label}: it holds only spaces or invisible characters",
    "email_needs_smtputf8": (
        "{Whose_cap} e-mail address has letters outside A to Z before the @, and our mail service cannot deliver "
        "to such addresses: give another address, for example a work one"
    ),
}
_LABELS = {
    "name": "name",
    "organisation": "organisation",
    "job_title": "job title",
    "email": "e-mail address",
    "address": "postal address",
    "purchase_order": "purchase order number",
    "billing.name": "name",
}

_TYPE_MESSAGES: dict[str, str] = {
    "missing": "This is required",
    "string_type": "Enter this as text",
    "string_too_long": "This is too long",
    "string_too_short": "This is required",
    "string_pattern_mismatch": "This is not in the expected format",
    "model_type": "This must be a group of fields (name, e-mail address, ...)",
    "model_attributes_type": "This must be a group of fields (name, e-mail address, ...)",
    "dict_type": "This must be a group of fields (name, e-mail address, ...)",
    "list_type": "This must be a list",
    "literal_error": "Choose one of the options offered",
    "bool_type": "Answer yes or no",
    "bool_parsing": "Answer yes or no",
}


def _whose(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "delegates" and isinstance(loc[1], int):
        return f"delegate {loc[1] + 1}'s"
    if loc and loc[0] == "contact":
        return "your"
    if loc and loc[0] == "billing":
        return "the invoice contact's"
    return "the"


def field_errors(exc: ValidationError, max_delegates: int = MAX_DELEGATES_ANY_EVENT) -> list[FieldError]:
    """Pydantic's errors as (field path, sentence for a delegate); one per field, in form order."""
    found: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        path = ".".join(str(p) for p in loc) or "body"
        leaf = next((str(p) for p in reversed(loc) if isinstance(p, str)), "body")
        if error["type"] in ("model_type", "model_attributes_type", "dict_type") and not loc:
            path, message = "body", "Send the booking as one JSON object (or as the booking form)"
        else:
            template = (
                _FIELD_MESSAGES.get((path, error["type"]))
                or _TEXT_MESSAGES.get(error["type"])
                or _FIELD_MESSAGES.get((leaf, error["type"]))
                or _TYPE_MESSAGES.get(error["type"], "This is not valid")
            )
            whose = _whose(loc)
            label = _LABELS.get(path if path == "billing.name" else leaf, leaf.replace("_", " "))
            message = template.format(
                whose=whose, Whose_cap=whose[:1].upper() + whose[1:], max=max_delegates, label=label
            )
        found.setdefault(path, FieldError(path, message))
    return list(found.values())
