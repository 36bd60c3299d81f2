"""The organiser's details (content/organiser.yaml): read by the site build, the booking e-mails and the back office.

It lives beside the fee table's loader because the booking function bundles this package and
nothing of Pelican; a mistake is reported as `file: field: message` like one in the fee table.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from pricing.errors import FeeTableError, Problem
from pricing.loader import DEFAULT_FEES_PATH, _problems_from

DEFAULT_ORGANISER_PATH = DEFAULT_FEES_PATH.with_name("organiser.yaml")
_VAT_NUMBER = re.compile(r"^(GB)?([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
Text = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    email: EmailStr


class Organiser(BaseModel):
    """Organisation name, the bookings and sponsorship contacts, postal address and VAT number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    bookings: Contact
    sponsorship: Contact
    address: str = Field(min_length=1, max_length=400)
    vat_number: str = ""

    @field_validator("vat_number", mode="before")
    @classmethod
    def _vat_number(cls, value: Any) -> str:
        text = re.sub(r"\s+", "", str(value or "")).upper()
        if text and not _VAT_NUMBER.match(text):
            raise PydanticCustomError(
                "vat_number_format", 'must be a UK VAT number like GB123456789, not "{value}"', {"value": value}
            )
        return text

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.splitlines() if line.strip())


def load_organiser(path: Path | str = DEFAULT_ORGANISER_PATH, display_name: str | None = None) -> Organiser:
    """Read and check the organiser's file; raise FeeTableError listing every problem."""
    path = Path(path)
    name = display_name or str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeeTableError([Problem(name, "(file)", f"cannot be read: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise FeeTableError(
            [Problem(name, where, f"is not valid YAML: {getattr(exc, 'problem', None) or exc}")]
        ) from None
    if not isinstance(data, dict):
        raise FeeTableError([Problem(name, "(top level)", "must hold name, bookings, sponsorship and address")])
    try:
        return Organiser.model_validate(data)
    except ValidationError as exc:
        raise FeeTableError(_problems_from(exc, name)) from None
