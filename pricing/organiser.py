"""The organiser's details (content/organiser.yaml): read by the site build, the booking e-mails and the back office.

It lives beside the fee table's loader because the booking function bundles this package and
nothing of Pelican; a mistake is reported as `file: field: message` like one in the fee table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pricing.errors import FeeTableError, Problem
from pricing.loader import DEFAULT_FEES_PATH, _problems_from, read_document
from pricing.models import stripped

DEFAULT_ORGANISER_PATH = DEFAULT_FEES_PATH.with_name("organiser.yaml")
_VAT_NUMBER = re.compile(r"^(GB)?([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
Text = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(stripped)]


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


# CloudWatch Logs keeps a log group for one of these numbers of days only (AWS::Logs::LogGroup RetentionInDays).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731)
# HMRC: VAT records are kept for at least six years (VAT Notice 700/21).
VAT_RECORD_YEARS = 6


class Retention(BaseModel):
    """How long each kind of personal data is kept after the event it was given for (the privacy page and the
    scheduled retention run read the same values: booking/retention.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    access_needs_days: int = Field(default=30, ge=1, le=365)
    delegate_months: int = Field(default=24, ge=1, le=120)
    sale_record_years: int = Field(default=VAT_RECORD_YEARS, ge=VAT_RECORD_YEARS, le=20)
    log_days: int = 30

    @field_validator("log_days")
    @classmethod
    def _log_days(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise PydanticCustomError(
                "log_days",
                "must be one of the periods AWS keeps logs for: {choices} days",
                {"choices": ", ".join(map(str, LOG_RETENTION_DAYS))},
            )
        return value

    @field_validator("delegate_months")
    @classmethod
    def _after_access_needs(cls, value: int, info: ValidationInfo) -> int:
        days = info.data.get("access_needs_days")
        if days is not None and value * 31 < days:
            raise PydanticCustomError(
                "delegate_months", "must not end before the access needs are removed ({days} days)", {"days": days}
            )
        return value


class Organiser(BaseModel):
    """Organisation name, the bookings and sponsorship contacts, postal address, VAT number, bank
    account and retention schedule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    bookings: Contact
    sponsorship: Contact
    address: str = Field(min_length=1, max_length=400)
    vat_number: str = ""
    bank: Bank | None = None  # for payment by bank transfer; quotations need it
    retention: Retention = Retention()

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
