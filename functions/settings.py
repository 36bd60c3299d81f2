"""Configuration, read once at the edge from the environment and passed inward as one value."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pricing import DEFAULT_FEES_PATH

if TYPE_CHECKING:
    from adapters.store import BookingStore

STORE_VARIABLES = (
    "BOOKINGS_TABLE",
    "DYNAMODB_ENDPOINT",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)

_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_VAT_NUMBER = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
_MAIL_FROM = re.compile(r"^(?:[^<>@\r\n]{1,100} <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$")


def _yes_no(name: str, value: str | None) -> bool:
    if value is None or value.lower() in ("no", "false", "0"):
        return False
    if value.lower() in ("yes", "true", "1"):
        return True
    raise SettingsError([f"{name} must be yes or no"])


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SettingsError(Exception):
    """The function's environment is incomplete or wrong; `problems` says which variable and why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the core needs from outside; tests build one directly (with their own clock)."""

    stripe_secret_key: str
    stripe_webhook_secret: str
    site_url: str
    stripe_api_base: str | None = None
    fees_path: Path = DEFAULT_FEES_PATH
    stripe_tax_rate_id: str | None = None
    contact_email: str | None = None
    # The organiser's VAT registration number (GB123456789), printed on card payments' VAT receipts.
    vat_number: str | None = None
    # STRIPE_ACCOUNT_TAX_ID: the id (atxi_...) of the account's own UK VAT number at Stripe (Dashboard, Settings,
    # Tax details), shown on every invoice as Stripe shows it; the VAT number is on the invoice without it too.
    stripe_account_tax_id: str | None = None
    # Three attempts of at most 5 s plus back-off (about 16.5 s) stay inside the Lambda's 20 s timeout and Netlify's 26 s proxy limit.
    # Confirmation e-mails: SMTP_URL (smtp://, smtp+starttls://, smtps://) and MAIL_FROM, or MAIL_OUTBOX
    # (a folder for .eml files, what `make dev` uses). With neither, fulfilment logs that no e-mail went.
    smtp_url: str | None = None
    mail_from: str | None = None
    mail_outbox: Path | None = None
    # MAIL_SMTPUTF8=yes: the mail server (SMTP_URL) offers SMTPUTF8, so addresses like ü@example.de can be booked.
    # Off by default: such addresses are refused at booking time rather than accepted and never delivered.
    mail_smtputf8: bool = False
    # BOOKING_LINK_SECRET: signs the links e-mailed to bookers (confirming an invoice request). At least 32
    # characters, random (`python -c "import secrets; print(secrets.token_urlsafe(32))"`); changing it voids
    # links already sent. Without it, invoice bookings are refused (503) and card bookings still work.
    link_secret: str | None = None
    # PROXY_SIGNATURE_SECRET: the secret Netlify's signed proxy rule signs each request with (X-Nf-Sign). When
    # set, every endpoint but Stripe's webhook refuses requests that did not come through the site (403).
    proxy_secret: str | None = None
    # Event titles and dates for e-mails come from the header of content/events/<slug>.md (None: beside fees_path).
    events_dir: Path | None = None
    # The organiser's name, address and VAT number for the e-mails (None: beside fees_path, see __post_init__).
    organiser_path: Path | None = None
    stripe_timeout_seconds: float = 5.0
    stripe_max_network_retries: int = 2
    # The booking store: BOOKINGS_TABLE (the SAM template sets it), DYNAMODB_ENDPOINT (the local engine only)
    # and the AWS_* variables boto3 reads, as given; adapters.store reads them.
    store_environ: Mapping[str, str] = field(default_factory=dict, compare=False)
    now: Callable[[], datetime] = field(default=_utc_now, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not self.stripe_secret_key.startswith(("sk_", "rk_")):
            problems.append("STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_... or sk_live_...)")
        if not self.stripe_webhook_secret.startswith("whsec_"):
            problems.append("STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_...)")
        if not _URL.match(self.site_url):
            problems.append("SITE_URL must be the site's address, like https://events.example.org")
        if self.stripe_api_base is not None and not _URL.match(self.stripe_api_base):
            problems.append("STRIPE_API_BASE must be an http(s) address, like http://127.0.0.1:12111")
        if self.stripe_account_tax_id is not None and not self.stripe_account_tax_id.startswith("atxi_"):
            problems.append("STRIPE_ACCOUNT_TAX_ID must be the id of the account's tax id at Stripe (atxi_...)")
        if self.stripe_tax_rate_id is not None and not self.stripe_tax_rate_id.startswith("txr_"):
            problems.append("STRIPE_TAX_RATE_ID must be a Tax Rate id (txr_...)")
        if self.vat_number is not None and not _VAT_NUMBER.match(self.vat_number):
            problems.append("VAT_NUMBER must be a VAT registration number with its country prefix, like GB123456789")
        if self.smtp_url is not None:
            from adapters.mail.send import MailConfigError, parse_smtp_url

            try:
                parse_smtp_url(self.smtp_url)
            except MailConfigError as exc:
                problems.append(f"SMTP_URL {exc}")
            if not self.mail_from:
                problems.append(
                    "MAIL_FROM must be set with SMTP_URL: the sender address, like Bookings <bookings@example.org>"
                )
        if self.proxy_secret is not None and len(self.proxy_secret) < 32:
            problems.append("PROXY_SIGNATURE_SECRET must be at least 32 random characters")
        if self.link_secret is not None and len(self.link_secret) < 32:
            problems.append("BOOKING_LINK_SECRET must be at least 32 random characters")
        if self.mail_from is not None and not _MAIL_FROM.match(self.mail_from):
            problems.append(
                "MAIL_FROM must be an e-mail address, like bookings@example.org or Bookings <bookings@example.org>"
            )
        if problems:
            raise SettingsError(problems)
        object.__setattr__(self, "site_url", self.site_url.rstrip("/"))
        if self.stripe_api_base:
            object.__setattr__(self, "stripe_api_base", self.stripe_api_base.rstrip("/"))
        if self.events_dir is None:
            object.__setattr__(self, "events_dir", Path(self.fees_path).parent / "events")
        if self.organiser_path is None:
            # Beside the fee table and in its form: organiser.json in the bundle, organiser.yaml in content/.
            object.__setattr__(
                self, "organiser_path", Path(self.fees_path).with_name("organiser" + Path(self.fees_path).suffix)
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build Settings from environment variables; raise SettingsError naming every missing one."""

        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        missing = [name for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SITE_URL") if not get(name)]
        if missing:
            raise SettingsError([f"{name} is not set" for name in missing])
        return cls(
            stripe_secret_key=get("STRIPE_SECRET_KEY") or "",
            stripe_webhook_secret=get("STRIPE_WEBHOOK_SECRET") or "",
            site_url=get("SITE_URL") or "",
            stripe_api_base=get("STRIPE_API_BASE"),
            fees_path=Path(get("FEES_PATH") or DEFAULT_FEES_PATH),
            stripe_tax_rate_id=get("STRIPE_TAX_RATE_ID"),
            stripe_account_tax_id=get("STRIPE_ACCOUNT_TAX_ID"),
            contact_email=get("CONTACT_EMAIL"),
            vat_number="".join(number.split()).upper() if (number := get("VAT_NUMBER")) else None,
            smtp_url=get("SMTP_URL"),
            mail_from=get("MAIL_FROM"),
            mail_outbox=Path(outbox) if (outbox := get("MAIL_OUTBOX")) else None,
            mail_smtputf8=_yes_no("MAIL_SMTPUTF8", get("MAIL_SMTPUTF8")),
            link_secret=get("BOOKING_LINK_SECRET"),
            proxy_secret=get("PROXY_SIGNATURE_SECRET"),
            store_environ={name: value for name in STORE_VARIABLES if (value := get(name))},
        )

    def store(self) -> BookingStore:
        """The booking store these settings name, made once per warm Lambda (boto3 is imported then, not before)."""
        return _store(tuple(sorted(self.store_environ.items())))


@lru_cache(maxsize=4)
def _store(environ: tuple[tuple[str, str], ...]) -> BookingStore:
    from adapters.store import BookingStore

    return BookingStore.from_env(dict(environ))
