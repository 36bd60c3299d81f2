"""quote(): the pricing rules (docs/organisers.md, "Check a price"), in integer pence, for one booking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Literal

from pricing.errors import CodeError, QuoteError
from pricing.models import UK, FeeTable, uk_time_text
from pricing.money import format_percent, round_half_up

Payment = Literal["card", "invoice"]
PAYMENTS: tuple[Payment, ...] = ("card", "invoice")
DiscountKind = Literal["additional_delegate", "online_payment", "early_booking", "code"]
# Enough digits that P * a * o * e * c is exact (four factors of up to six decimal places each),
# so the factors give the same pence in any order and the one rounding is the only one.
_EXACT_DIGITS = 60


@dataclass(frozen=True, kw_only=True)
class Discount:
    """One rule that took money off this booking, as people and machines read it."""

    kind: DiscountKind
    percent: Decimal  # a fraction: 0.15 is 15%
    code: str | None = None  # kind "code": the code as the fee table spells it
    until: datetime | None = None  # kind "early_booking": the rate's last minute, UK time

    @property
    def label(self) -> str:
        pct = f"{format_percent(self.percent)}%"
        if self.kind == "additional_delegate":
            return f"{pct} off each additional delegate"
        if self.kind == "online_payment":
            return f"{pct} off for paying online by card"
        if self.kind == "early_booking":
            assert self.until is not None
            return f"{pct} early-booking rate (booked by {uk_time_text(self.until)})"
        return f"{pct} off with code {self.code}"

    def to_dict(self) -> dict[str, str]:
        data = {"kind": self.kind, "percent": format_percent(self.percent), "label": self.label}
        if self.code is not None:
            data["code"] = self.code
        if self.until is not None:
            data["until"] = self.until.astimezone(UK).isoformat(timespec="minutes")
        return data


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
    """The priced booking; totals must be exactly the sums of the lines.

    With a code, `before_code` is the same booking priced without it, so that a checkout or an
    invoice can show the code's saving as a line of its own that still adds up to the total.
    """

    event: str
    category: str
    category_label: str
    payment: Payment
    currency: str
    vat_percent: Decimal
    lines: tuple[QuoteLine, ...]
    discounts: tuple[Discount, ...] = ()
    before_code: Quote | None = None
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
        if (self.before_code is None) != (self.code is None):
            raise ValueError("a quote has the price before its code exactly when it has a code")
        if self.before_code is not None and not (
            self.before_code.delegates == self.delegates and self.before_code.total_pence >= self.total_pence
        ):
            raise ValueError(f"a code raised the price or changed the delegates in {self}")

    @property
    def delegates(self) -> int:
        return len(self.lines)

    @property
    def list_pence(self) -> int:
        return sum(line.list_pence for line in self.lines)

    @property
    def discount_pence(self) -> int:
        return self.list_pence - self.net_pence

    @property
    def code(self) -> str | None:
        return next((d.code for d in self.discounts if d.kind == "code"), None)

    @property
    def early_booking(self) -> Discount | None:
        return next((d for d in self.discounts if d.kind == "early_booking"), None)

    @property
    def code_discount_pence(self) -> int:
        """What the code took off the gross total (0 without a code)."""
        return 0 if self.before_code is None else self.before_code.total_pence - self.total_pence

    def for_event(self, event: str) -> Quote:
        """The same prices for another event (events sharing a tariff, maximum and rates alike); totals are not re-checked."""
        if event == self.event:
            return self
        twin = object.__new__(Quote)
        twin.__dict__.update(self.__dict__)
        twin.__dict__["event"] = event
        if self.before_code is not None:
            twin.__dict__["before_code"] = self.before_code.for_event(event)
        return twin

    def to_dict(self) -> dict[str, object]:
        return {
            "event": self.event,
            "category": self.category,
            "category_label": self.category_label,
            "payment": self.payment,
            "delegates": self.delegates,
            "currency": self.currency,
            "vat_percent": format_percent(self.vat_percent),
            "code": self.code,
            "discounts": [d.to_dict() for d in self.discounts],
            "list_pence": self.list_pence,
            "discount_pence": self.discount_pence,
            "code_discount_pence": self.code_discount_pence,
            "net_pence": self.net_pence,
            "vat_pence": self.vat_pence,
            "total_pence": self.total_pence,
            "lines": [line.to_dict() for line in self.lines],
        }


def quote(
    fees: FeeTable,
    event: str,
    category: str,
    delegates: int,
    payment: str = "card",
    *,
    at: datetime | None = None,
    code: str | None = None,
) -> Quote:
    """Price `delegates` places at `event` in `category`, paid by `payment` (card or invoice).

    `at` is when the booking is made (default: now; a time without a zone is UK time): it decides
    the early-booking rate and whether `code` has expired. `code` is matched whatever its case;
    an unknown, expired or other-event code raises CodeError (field "code", one message for all three).
    """
    return _priced(fees, event, category, payment, delegates, at, code, only_last=True)[-1]


def ladder(
    fees: FeeTable,
    event: str,
    category: str,
    payment: str = "card",
    delegates: int | None = None,
    *,
    at: datetime | None = None,
    code: str | None = None,
) -> tuple[Quote, ...]:
    """The quotes for 1, 2, ... `delegates` places (default: the event's maximum) in one pass.

    Delegate i's line never depends on how many follow, so the quote for n + 1 reuses the lines
    of n: the site prices a whole price table with `delegates` lines instead of n(n + 1)/2.
    """
    if delegates is None and event in fees.events:
        delegates = fees.events[event].max_delegates
    return _priced(fees, event, category, payment, delegates, at, code, only_last=False)


def _priced(
    fees: FeeTable,
    event: str,
    category: str,
    payment: str,
    delegates: object,
    at: datetime | None,
    code: str | None,
    *,
    only_last: bool,
) -> tuple[Quote, ...]:
    _check(fees, event, category, payment, delegates)
    assert isinstance(delegates, int)
    when = datetime.now(UK) if at is None else at
    discounts = _discounts(fees, event, payment, when, code)
    lines = _lines(fees, event, category, delegates, discounts)
    plain = [d for d in discounts if d.kind != "code"]
    before = _lines(fees, event, category, delegates, plain) if len(plain) < len(discounts) else None
    counts = range(delegates, delegates + 1) if only_last else range(1, delegates + 1)
    return tuple(
        _quote(
            fees,
            event,
            category,
            payment,
            lines[:n],
            _applied(discounts, n),
            None if before is None else _quote(fees, event, category, payment, before[:n], _applied(plain, n), None),
        )
        for n in counts
    )


def _applied(discounts: list[Discount], delegates: int) -> tuple[Discount, ...]:
    return tuple(d for d in discounts if d.kind != "additional_delegate" or delegates > 1)


def _quote(
    fees: FeeTable,
    event: str,
    category: str,
    payment: str,
    lines: tuple[QuoteLine, ...],
    discounts: tuple[Discount, ...],
    before_code: Quote | None,
) -> Quote:
    return Quote(
        event=event,
        category=category,
        category_label=fees.tariff_for(event).categories[category].label,
        payment=payment,  # type: ignore[arg-type]  # quote() has checked it is one of PAYMENTS
        currency=fees.currency,
        vat_percent=fees.vat_percent,
        lines=lines,
        discounts=discounts,
        before_code=before_code,
    )


def _check(fees: FeeTable, event: str, category: str, payment: str, delegates: object) -> None:
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


def _discounts(fees: FeeTable, event: str, payment: str, at: datetime, code: str | None) -> list[Discount]:
    """Every rule that may take money off this booking; additional_delegate applies from the second line."""
    found = [Discount(kind="additional_delegate", percent=fees.discounts.additional_delegate_percent)]
    if payment == "card":
        found.append(Discount(kind="online_payment", percent=fees.discounts.online_payment_percent))
    early = fees.events[event].early_booking
    if early is not None and early.applies(at):
        found.append(Discount(kind="early_booking", percent=early.percent, until=early.until))
    if code is not None and code.strip():
        found.append(_code_discount(fees, event, at, code))
    return found


def _code_discount(fees: FeeTable, event: str, at: datetime, typed: str) -> Discount:
    shown = typed.strip()[:40]
    match = fees.find_code(typed)
    if match is None:
        raise CodeError(
            "unknown_code",
            f'We do not recognise the discount code "{shown}". Check it, or leave the box empty to book without one.',
        )
    name, terms = match
    if not terms.valid_for(event):
        raise CodeError("code_not_for_event", f'The discount code "{shown}" is for a different event, not this one.')
    if terms.expired(at):
        assert terms.until is not None
        raise CodeError(
            "expired_code",
            f'The discount code "{shown}" could be used until {uk_time_text(terms.until)}, and has expired.',
        )
    return Discount(kind="code", percent=terms.percent, code=name)


def _lines(
    fees: FeeTable, event: str, category: str, delegates: int, discounts: list[Discount]
) -> tuple[QuoteLine, ...]:
    """Price delegates 1..`delegates`, each line on its own: net = round(P * a * o * e * c), then VAT."""
    list_pence = fees.tariff_for(event).categories[category].net_pence
    lines = []
    with localcontext() as exact:
        exact.prec = _EXACT_DIGITS
        every = Decimal(1)
        additional = Decimal(1)
        for d in discounts:
            if d.kind == "additional_delegate":
                additional = 1 - d.percent
            else:
                every *= 1 - d.percent
        for number in range(1, delegates + 1):
            factor = every if number == 1 else every * additional
            net = round_half_up(list_pence * factor)
            vat = round_half_up(net * fees.vat_percent)
            lines.append(
                QuoteLine(delegate=number, list_pence=list_pence, net_pence=net, vat_pence=vat, gross_pence=net + vat)
            )
    return tuple(lines)
