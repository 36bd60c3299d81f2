"""What part of a refund is VAT: a refund gives back net and VAT in the proportion they were charged."""

from __future__ import annotations

from decimal import Decimal

from pricing.money import round_half_up


def refund_vat(refund_pence: int, gross_pence: int, vat_pence: int) -> int:
    """The VAT in `refund_pence` of a payment of `gross_pence` that held `vat_pence` VAT, to the penny.

    Refunding everything gives back exactly the VAT charged; a part gives back the same share of it
    (one rounding, half up), so the parts of several partial refunds add up to the whole within a penny each.
    """
    if not 0 <= refund_pence <= gross_pence or not 0 <= vat_pence <= gross_pence:
        raise ValueError(f"a refund of {refund_pence}p of {gross_pence}p holding {vat_pence}p VAT is not possible")
    if refund_pence == gross_pence:
        return vat_pence
    if gross_pence == 0:
        return 0
    return round_half_up(Decimal(refund_pence) * vat_pence / gross_pence)
