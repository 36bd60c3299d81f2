"""quote(): the exact pricing rules of DESIGN.md, in integer pence, for one booking."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pricing.errors import QuoteError
from pricing.models import FeeTable
from pricing.money import round_half_up

Payment = Literal["card", "invoice"]
PAYMENTS: tuple[Payment, ...] = ("card", "invoice")


@dataclass(frozen=True, kw_only=True)
class QuoteLine:
    """One delegate's price; refuses to exist if its parts do not add up."""

    delegate: int
    list_pence: int
    net_pence: int
    vat_pence: int
    gross_pence: int

    def __post_init__(self) -> None:
        if min(self.list_pence, self.net_pence, self.vat_pence) < 0:
            raise ValueError(f"negative amount in {self}")
        if self.net_pence + self.vat_pence != self.gross_pence:
            raise ValueError(f"net + VAT != gross in {self}")
        if self.net_pence > self.list_pence:
            raise ValueError(f"discounted net above list price in {self}")

    @property
    def discount_pence(self) -> int:
        return self.list_pence - self.net_pence

    def to_dict(self) -> dict[str, int]:
        return {
            "delegate": self.delegate,
            "list_pence": self.list_pence,
            "discount_pence": self.discount_pence,
            "net_pence": self.net_pence,
            "vat_pence": self.vat_pence,
            "gross_pence": self.gross_pence,
        }


@dataclass(frozen=True, kw_only=True)
class Quote:
    """The priced booking; totals must be exactly the sums of the lines."""

    event: str
    category: str
    category_label: str
    payment: Payment
    currency: str
    vat_percent: Decimal
    lines: tuple[QuoteLine, ...]
    net_pence: int = field(default=-1)
    vat_pence: int = field(default=-1)
    total_pence: int = field(default=-1)

    def __post_init__(self) -> None:
        sums = (
            sum(line.net_pence for line in self.lines),
            sum(line.vat_pence for line in self.lines),
            sum(line.gross_pence for line in self.lines),
        )
        given = (self.net_pence, self.vat_pence, self.total_pence)
        if given == (-1, -1, -1):
            object.__setattr__(self, "net_pence", sums[0])
            object.__setattr__(self, "vat_pence", sums[1])
            object.__setattr__(self, "total_pence", sums[2])
        elif given != sums:
            raise ValueError(f"quote totals {given} are not the sums of its lines {sums}")
        if not self.lines:
            raise ValueError("a quote needs at least one delegate")

    @property
    def delegates(self) -> int:
        return len(self.lines)

    @property
    def list_pence(self) -> int:
        return sum(line.list_pence for line in self.lines)

    @property
    def discount_pence(self) -> int:
        return self.list_pence - self.net_pence

    def for_event(self, event: str) -> Quote:
        """The same prices for another event (events sharing a tariff and maximum price alike); totals are not re-checked."""
        if event == self.event:
            return self
        twin = object.__new__(Quote)
        twin.__dict__.update(self.__dict__)
        twin.__dict__["event"] = event
        return twin

    def to_dict(self) -> dict[str, object]:
        return {
            "event": self.event,
            "category": self.category,
            "category_label": self.category_label,
            "payment": self.payment,
            "delegates": self.delegates,
            "currency": self.currency,
            "vat_percent": _percent_text(self.vat_percent),
            "list_pence": self.list_pence,
            "discount_pence": self.discount_pence,
            "net_pence": self.net_pence,
            "vat_pence": self.vat_pence,
            "total_pence": self.total_pence,
            "lines": [line.to_dict() for line in self.lines],
        }


def _percent_text(fraction: Decimal) -> str:
    return format((fraction * 100).normalize(), "f")


def quote(fees: FeeTable, event: str, category: str, delegates: int, payment: str = "card") -> Quote:
    """Price `delegates` places at `event` in `category`, paid by `payment` (card or invoice)."""
    lines = _lines(fees, event, category, payment, delegates)
    return _quote(fees, event, category, payment, lines)


def ladder(
    fees: FeeTable, event: str, category: str, payment: str = "card", delegates: int | None = None
) -> tuple[Quote, ...]:
    """The quotes for 1, 2, ... `delegates` places (default: the event's maximum) in one pass.

    Delegate i's line never depends on how many follow, so the quote for n + 1 reuses the lines
    of n: the site prices a whole price table with `delegates` lines instead of n(n + 1)/2.
    """
    if delegates is None and event in fees.events:
        delegates = fees.events[event].max_delegates
    lines = _lines(fees, event, category, payment, delegates)
    return tuple(_quote(fees, event, category, payment, lines[:n]) for n in range(1, len(lines) + 1))


def _quote(fees: FeeTable, event: str, category: str, payment: str, lines: tuple[QuoteLine, ...]) -> Quote:
    return Quote(
        event=event,
        category=category,
        category_label=fees.tariff_for(event).categories[category].label,
        payment=payment,  # type: ignore[arg-type]
        currency=fees.currency,
        vat_percent=fees.vat_percent,
        lines=lines,
    )


def _lines(fees: FeeTable, event: str, category: str, payment: str, delegates: object) -> tuple[QuoteLine, ...]:
    """Check the request, then price delegates 1..`delegates`, each line on its own."""
    if event not in fees.events:
        raise QuoteError("unknown_event", "event", f'there is no bookable event "{event}"')
    entry = fees.events[event]
    categories = fees.tariffs[entry.tariff].categories
    if category not in categories:
        known = ", ".join(categories)
        raise QuoteError(
            "unknown_category", "category", f'"{category}" is not a fee category of this event (choose one of: {known})'
        )
    if payment not in PAYMENTS:
        raise QuoteError("bad_payment", "payment", f'payment must be "card" or "invoice", not "{payment}"')
    if isinstance(delegates, bool) or not isinstance(delegates, int) or not 1 <= delegates <= entry.max_delegates:
        raise QuoteError(
            "bad_delegates", "delegates", f"a booking holds from 1 to {entry.max_delegates} delegates, not {delegates}"
        )

    list_pence = categories[category].net_pence
    online = (1 - fees.discounts.online_payment_percent) if payment == "card" else Decimal(1)
    additional = 1 - fees.discounts.additional_delegate_percent
    lines = []
    for number in range(1, delegates + 1):
        factor = (Decimal(1) if number == 1 else additional) * online
        net = round_half_up(list_pence * factor)
        vat = round_half_up(net * fees.vat_percent)
        lines.append(
            QuoteLine(delegate=number, list_pence=list_pence, net_pence=net, vat_pence=vat, gross_pence=net + vat)
        )
    return tuple(lines)
