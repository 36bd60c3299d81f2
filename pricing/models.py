"""Pydantic models of content/fees.yaml: the spec of what an organiser may write there."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pricing.money import parse_amount_to_pence, parse_percent

UK = ZoneInfo("Europe/London")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BookingStatus = Literal["open", "closed", "sold_out"]


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise PydanticCustomError(
            "amount_not_text",
            'must be written in quotes as pounds and pence, like "295.00" (a bare number can lose pennies)',
        )
    try:
        return parse_amount_to_pence(value.strip())
    except ValueError as exc:
        raise PydanticCustomError("amount_format", str(exc)) from None


def _percent(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise PydanticCustomError("percent_not_text", 'must be a whole number or written in quotes, like 15 or "17.5"')
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("percent_format", 'must be a percentage like 15 or "17.5"')
    try:
        return parse_percent(value.strip().removesuffix("%").strip())
    except ValueError as exc:
        raise PydanticCustomError("percent_format", str(exc)) from None


def _uk_datetime(value: Any) -> datetime:
    """A date means the end of that day in the UK; a time without an offset is UK time."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if _DATE_ONLY.match(text) else datetime.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError(
                "datetime_format", 'must be a date and time like "2027-09-13 17:00" (UK time)'
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UK)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59), tzinfo=UK)
    raise PydanticCustomError("datetime_format", 'must be a date and time like "2027-09-13 17:00" (UK time)')


def to_the_minute(at: datetime) -> datetime:
    """`at` in UK time without seconds: an end time like "23:59" includes the whole of that minute."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UK)
    return at.astimezone(UK).replace(second=0, microsecond=0)


def uk_time_text(moment: datetime) -> str:
    """'30 June 2027 at 23:59' (UK time): how an end date reads in messages and on the page."""
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _code_text(value: Any) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise PydanticCustomError(
            "code_format",
            "a discount code must be 3 to 40 letters, digits, hyphens or underscores, starting with a letter or digit",
        )
    return value


def stripped(value: str) -> str:
    """The text without surrounding whitespace. A function of ours, not `str.strip`: pydantic reads a validator's
    signature, and on Python 3.11 reading a built-in's compiles `tokenize`'s patterns (about 4 ms of a cold start)."""
    return value.strip()


Pence = Annotated[int, BeforeValidator(_amount)]
Fraction = Annotated[Decimal, BeforeValidator(_percent)]
UKDateTime = Annotated[datetime, BeforeValidator(_uk_datetime)]
Label = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(stripped)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
CodeText = Annotated[str, BeforeValidator(_code_text)]


class _Strict(BaseModel):
    # defer_build: validators are built at first use, so a cold start builds only the models its request needs.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class Category(_Strict):
    """One fee category of a tariff, e.g. NHS at £295.00 net."""

    label: Label
    net_pence: Pence = Field(alias="net")

    @model_validator(mode="after")
    def _not_free(self) -> Category:
        if self.net_pence == 0:
            raise PydanticCustomError("amount_zero", 'must be more than "0.00"; a free event needs no booking')
        return self


class Tariff(_Strict):
    """A named set of categories several events can share."""

    label: Label
    categories: dict[Annotated[str, Field(pattern=SLUG_PATTERN)], Category] = Field(min_length=1)


class EarlyBooking(_Strict):
    """A lower rate for bookings made on or before `until` (UK time, to the minute)."""

    until: UKDateTime
    percent: Fraction

    def applies(self, at: datetime) -> bool:
        return to_the_minute(at) <= self.until

    @property
    def ends(self) -> datetime:
        """The first moment of the standard rate: the minute after `until`, for a browser comparing its clock."""
        return to_the_minute(self.until) + timedelta(minutes=1)


class DiscountCode(_Strict):
    """A code an organiser gives out (never published): a percentage off, maybe for some events, maybe until a time."""

    percent: Fraction
    events: tuple[Slug, ...] | None = Field(default=None, min_length=1)
    until: UKDateTime | None = None
    # How many bookings may use it in all; None: no limit. Counted in the booking store, not here.
    uses: int | None = Field(default=None, ge=1, le=100_000)

    def expired(self, at: datetime) -> bool:
        return self.until is not None and to_the_minute(at) > self.until

    def valid_for(self, event: str) -> bool:
        return self.events is None or event in self.events


class BookableEvent(_Strict):
    """What the booking function needs to know about one event."""

    tariff: Slug
    booking_closes: UKDateTime
    sold_out: bool = False
    max_delegates: int = Field(default=10, ge=1, le=50)
    # How many places the event has; bookings stop (sold out) when they are all taken. None: no limit.
    places: int | None = Field(default=None, ge=1, le=100_000)
    early_booking: EarlyBooking | None = None

    def booking_status(self, now: datetime) -> BookingStatus:
        if self.sold_out:
            return "sold_out"
        return "open" if now < self.booking_closes else "closed"


class Discounts(_Strict):
    additional_delegate_percent: Fraction
    online_payment_percent: Fraction


class FeeTable(_Strict):
    """The whole of content/fees.yaml, checked as one."""

    currency: Literal["GBP"]
    vat_percent: Fraction
    discounts: Discounts
    invoice_due_days: int = Field(default=30, ge=1, le=120)
    # Purchase to pay: how long a quotation (and the places it holds) is valid; how long places booked with the PO
    # to follow are held (never past booking close); the days after booking on which the booker is reminded.
    quote_valid_days: int = Field(default=30, ge=1, le=120)
    po_hold_days: int = Field(default=14, ge=1, le=120)
    po_reminder_days: tuple[int, ...] = Field(default=(7, 12), max_length=5)
    # Payment reminders for an unpaid invoice, in days from its due date: -7 a week before, 0 on the day,
    # 14 a fortnight after. Each is sent once; none once the invoice is paid, voided or credited.
    invoice_reminders: tuple[Annotated[int, Field(ge=-60, le=120)], ...] = Field(default=(-7, 0, 7, 14), max_length=10)
    tariffs: dict[Slug, Tariff] = Field(min_length=1)
    events: dict[Slug, BookableEvent]
    codes: dict[CodeText, DiscountCode] = Field(default_factory=dict)

    @field_validator("invoice_reminders")
    @classmethod
    def _reminders_in_order(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if list(days) != sorted(set(days)):
            raise PydanticCustomError(
                "reminders_order", "list each day once, earliest first, like [-7, 0, 7, 14] (days from the due date)"
            )
        return days

    @model_validator(mode="after")
    def _entries_agree(self) -> FeeTable:
        problems = self._event_problems() + self._code_problems() + self._po_problems()
        if problems:
            raise PydanticCustomError(
                "entries_disagree",
                "entries of the fee table contradict each other",
                {"problems": [{"field": field, "message": message} for field, message in problems]},
            )
        return self

    def _event_problems(self) -> list[tuple[str, str]]:
        problems = []
        for slug, entry in self.events.items():
            if entry.tariff not in self.tariffs:
                known = ", ".join(sorted(self.tariffs))
                problems.append(
                    (
                        f"events.{slug}.tariff",
                        f'names tariff "{entry.tariff}", which is not under tariffs (known: {known})',
                    )
                )
            early = entry.early_booking
            if early is not None and early.until >= entry.booking_closes:
                problems.append(
                    (
                        f"events.{slug}.early_booking.until",
                        f"ends {uk_time_text(early.until)}, which is not before booking closes"
                        f" ({uk_time_text(entry.booking_closes)}): an early rate must end before booking closes",
                    )
                )
        return problems

    def _code_problems(self) -> list[tuple[str, str]]:
        problems = []
        first_spelling: dict[str, str] = {}
        for code, entry in self.codes.items():
            same = first_spelling.setdefault(code.casefold(), code)
            if same != code:
                problems.append(
                    (
                        f"codes.{code}",
                        f'is the same code as "{same}": codes are matched whatever their case, so two codes must'
                        " differ by more than case",
                    )
                )
            for event in entry.events or ():
                if event not in self.events:
                    known = ", ".join(sorted(self.events))
                    problems.append(
                        (f"codes.{code}.events", f'names event "{event}", which is not under events (known: {known})')
                    )
        return problems

    def _po_problems(self) -> list[tuple[str, str]]:
        days = self.po_reminder_days
        if len(set(days)) != len(days) or list(days) != sorted(days):
            return [("po_reminder_days", "must list each day once, earliest first, like [7, 12]")]
        late = [d for d in days if not 1 <= d < self.po_hold_days]
        if late:
            return [
                (
                    "po_reminder_days",
                    f"day {late[0]} is not within the hold: each reminder must come on a day from 1 to"
                    f" {self.po_hold_days - 1} (po_hold_days is {self.po_hold_days})",
                )
            ]
        return []

    def quote_expires(self, event: str, at: datetime) -> datetime:
        """When a quotation made `at` stops holding its places: `quote_valid_days` on, never past booking close."""
        return min(at + timedelta(days=self.quote_valid_days), self.events[event].booking_closes)

    def po_hold_ends(self, event: str, at: datetime) -> datetime:
        """When places booked `at` with the PO to follow go back without a PO: never past booking close."""
        return min(at + timedelta(days=self.po_hold_days), self.events[event].booking_closes)

    def find_code(self, text: str) -> tuple[str, DiscountCode] | None:
        """The code as the organiser spelt it and its terms, whatever case the delegate typed; None if unknown."""
        wanted = text.strip().casefold()
        for code, entry in self.codes.items():
            if code.casefold() == wanted:
                return code, entry
        return None

    def tariff_for(self, event: str) -> Tariff:
        return self.tariffs[self.events[event].tariff]
