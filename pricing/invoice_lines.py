"""A quote as a VAT invoice lists it: one line per distinct delegate price with its quantity, the net, VAT and gross
of one place and of the line, then the discount code's credit line; so each line shows what HMRC asks of it
(quantity, net amount, rate, VAT) and the lines add up to the quote to the penny."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pricing.quote import Quote, QuoteLine


@dataclass(frozen=True, kw_only=True)
class InvoiceLine:
    """`quantity` places (0 for the code's credit line) at `each_*` pence; the line's own totals are their sums."""

    additional: bool  # the additional-delegate price (False: the first delegate's, or the code's line)
    quantity: int
    each_net_pence: int
    each_vat_pence: int
    net_pence: int
    vat_pence: int

    def __post_init__(self) -> None:
        if self.quantity and (
            self.net_pence != self.each_net_pence * self.quantity
            or self.vat_pence != self.each_vat_pence * self.quantity
        ):
            raise ValueError("an invoice line's totals must be its places' sums")

    @property
    def each_gross_pence(self) -> int:
        return self.each_net_pence + self.each_vat_pence

    @property
    def gross_pence(self) -> int:
        return self.net_pence + self.vat_pence


def invoice_lines(q: Quote) -> list[InvoiceLine]:
    """The places before any discount code, grouped by price (first delegate first), then the code's credit line
    (negative) when there is one; the lines' gross amounts add up to `q.total_pence`."""
    listed = q.before_code or q
    groups: dict[tuple[bool, int, int], list[QuoteLine]] = defaultdict(list)
    for line in listed.lines:
        groups[(line.delegate > 1, line.net_pence, line.vat_pence)].append(line)
    lines = [
        InvoiceLine(
            additional=additional,
            quantity=len(places),
            each_net_pence=net,
            each_vat_pence=vat,
            net_pence=sum(p.net_pence for p in places),
            vat_pence=sum(p.vat_pence for p in places),
        )
        for (additional, net, vat), places in sorted(groups.items())
    ]
    if q.before_code is not None and q.code_discount_pence:
        net = q.net_pence - q.before_code.net_pence
        vat = q.vat_pence - q.before_code.vat_pence
        lines.append(
            InvoiceLine(additional=False, quantity=0, each_net_pence=0, each_vat_pence=0, net_pence=net, vat_pence=vat)
        )
    total = sum(line.gross_pence for line in lines)
    if total != q.total_pence:
        raise ValueError(f"invoice lines come to {total}, the quote to {q.total_pence}")
    return lines
