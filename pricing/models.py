"""Pydantic models of content/fees.yaml: the spec of what an organiser may write there."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from pricing.money import parse_amount_to_pence, parse_percent

UK = ZoneInfo("Europe/London")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
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
    if isinstance(value, bool) or isinstance(value, float):
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
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime_format", 'must be a date and time like "2027-09-13 17:00" (UK time)'
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UK)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59), tzinfo=UK)
    raise PydanticCustomError("datetime_format", 'must be a date and time like "2027-09-13 17:00" (UK time)')


Pence = Annotated[int, BeforeValidator(_amount)]
Fraction = Annotated[Decimal, BeforeValidator(_percent)]
UKDateTime = Annotated[datetime, BeforeValidator(_uk_datetime)]
Label = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


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


class BookableEvent(_Strict):
    """What the booking function needs to know about one event."""

    tariff: Annotated[str, Field(pattern=SLUG_PATTERN)]
    booking_closes: UKDateTime
    sold_out: bool = False
    max_delegates: int = Field(default=10, ge=1, le=50)

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
    tariffs: dict[Annotated[str, Field(pattern=SLUG_PATTERN)], Tariff] = Field(min_length=1)
    events: dict[Annotated[str, Field(pattern=SLUG_PATTERN)], BookableEvent]

    @model_validator(mode="after")
    def _events_name_known_tariffs(self) -> FeeTable:
        unknown = [
            {
                "field": f"events.{slug}.tariff",
                "message": f'names tariff "{entry.tariff}", which is not under tariffs (known: {", ".join(sorted(self.tariffs))})',
            }
            for slug, entry in self.events.items()
            if entry.tariff not in self.tariffs
        ]
        if unknown:
            raise PydanticCustomError(
                "unknown_tariff", "an event names a tariff that does not exist", {"problems": unknown}
            )
        return self

    def tariff_for(self, event: str) -> Tariff:
        return self.tariffs[self.events[event].tariff]
