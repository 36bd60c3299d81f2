"""The organiser's details (content/organiser.yaml): read by the site build, the booking e-mails and the back office.

It lives beside the fee table's loader because the booking function bundles this package and
nothing of Pelican; a mistake is reported as `file: field: message` like one in the fee table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from pricing.errors import FeeTableError, Problem
from pricing.loader import DEFAULT_FEES_PATH, _problems_from, read_document

DEFAULT_ORGANISER_PATH = DEFAULT_FEES_PATH.with_name("organiser.yaml")
_VAT_NUMBER = re.compile(r"^(GB)?([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
Text = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    email: EmailStr


class Bank(BaseModel):
    """The account a buyer pays by bank transfer (BACS), printed on quotations (and the invoice footer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_name: Text
    sort_code: str
    account_number: str

    @field_validator("sort_code", mode="before")
    @classmethod
    def _sort_code(cls, value: Any) -> str:
        digits = re.sub(r"[\s-]", "", str(value if value is not None else ""))
        if not re.fullmatch(r"[0-9]{6}", digits):
            raise PydanticCustomError(
                "sort_code_format", 'must be 6 digits, like "12-34-56" (in quotes), not "{value}"', {"value": value}
            )
        return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}"

    @field_validator("account_number", mode="before")
    @classmethod
    def _account_number(cls, value: Any) -> str:
        digits = re.sub(r"\s", "", str(value if value is not None else ""))
        if not re.fullmatch(r"[0-9]{8}", digits):
            raise PydanticCustomError(
                "account_number_format",
                'must be 8 digits, like "12345678" (in quotes, so a leading 0 is kept), not "{value}"',
                {"value": value},
            )
        return digits


class Organiser(BaseModel):
    """Organisation name, the bookings and sponsorship contacts, postal address, VAT number and bank account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    bookings: Contact
    sponsorship: Contact
    address: str = Field(min_length=1, max_length=400)
    vat_number: str = ""
    bank: Bank | None = None  # for payment by bank transfer; quotations need it

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


def _read(path: Path, name: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FeeTableError([Problem(name, "(file)", f"cannot be read: {exc.strerror}")]) from None
    data = read_document(text, name)  # JSON in the function's bundle (no yaml import), YAML in content/
    if not isinstance(data, dict):
        raise FeeTableError([Problem(name, "(top level)", "must hold name, bookings, sponsorship and address")])
    return data


def _validate(data: dict[str, Any], name: str) -> Organiser:
    try:
        return Organiser.model_validate(data)
    except ValidationError as exc:
        raise FeeTableError(_problems_from(exc, name)) from None


def load_organiser(path: Path | str = DEFAULT_ORGANISER_PATH, display_name: str | None = None) -> Organiser:
    """Read and check the organiser's file (.yaml, or the bundle's .json); raise FeeTableError listing every problem."""
    path = Path(path)
    name = display_name or str(path)
    return _validate(_read(path, name), name)


def organiser_json(path: Path | str = DEFAULT_ORGANISER_PATH) -> str:
    """The organiser's YAML as JSON for the function's bundle, checked first (FeeTableError as for the build)."""
    path = Path(path)
    data = _read(path, str(path))
    _validate(data, str(path))
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
