"""Sending e-mail: SMTP configured by one URL (SMTP_URL), or .eml files in a local outbox folder for `make dev`.

`smtp://user:pass@host:25` (plain, for a relay on a private network), `smtp+starttls://...:587`
(upgrades with STARTTLS, certificate checked) and `smtps://...:465` (TLS from the start). User name
and password are percent-decoded, so a password with `@` or `/` is written `%40`, `%2F`.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("functions.mail")

SMTP_TIMEOUT_SECONDS = 10.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class MailConfigError(ValueError):
    """SMTP_URL cannot be used; the message says what is wrong with it."""


class MailUnavailable(Exception):
    """The messages could not be handed to the mail server (or written to the outbox)."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read SMTP_URL; raise MailConfigError (never echoing the password) if it cannot be used."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise MailConfigError("is not a URL like smtp+starttls://user:password@smtp.example.org:587") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise MailConfigError("must start with smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("names no mail server host, like smtp+starttls://user:password@smtp.example.org:587")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MailConfigError("must be only scheme://user:password@host:port, without a path or query")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpConfig(scheme, parts.hostname, port or _DEFAULT_PORTS[scheme], username, password)


def send_messages(messages: list[EmailMessage], smtp_url: str | None, outbox: Path | None) -> list[str]:
    """Hand every message to the SMTP server over one connection, or write them to `outbox`; where each went."""
    if not smtp_url and outbox is None:
        raise MailUnavailable("no SMTP_URL or MAIL_OUTBOX is set")
    with MailSession(smtp_url, outbox) as session:
        try:
            return [session.send(message) for message in messages]
        except MailRefused as exc:
            raise MailUnavailable(str(exc)) from None


class MailRefused(MailUnavailable):
    """The server refused this one message (say, its recipient); the connection is still good for the next.

    `temporary`: a 4xx reply (try again later), not a 5xx refusal.
    """

    def __init__(self, message: str, temporary: bool = False):
        self.temporary = temporary
        super().__init__(message)


class MailSession:
    """One connection for many messages, each accepted or refused on its own (the back office's bulk sends).

    `send` raises MailRefused when the server refuses that message and MailUnavailable when the connection
    fails; the next `send` after a failed connection connects again.
    """

    def __init__(self, smtp_url: str | None, outbox: Path | None):
        self.config = parse_smtp_url(smtp_url) if smtp_url else None
        self.outbox = outbox
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> MailSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()

    def send(self, message: EmailMessage) -> str:
        if self.config is None:
            if self.outbox is None:
                raise MailUnavailable("no SMTP_URL or MAIL_OUTBOX is set")
            return _write_outbox([message], self.outbox)[0]
        config = self.config
        try:
            if self._server is None:
                self._server = _connect(config)
            self._server.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            _log_error(config, exc)
            reason = _refusal(exc)
            raise MailRefused(f"{reason} from {config.host}:{config.port}", reason.startswith("4")) from None
        except (smtplib.SMTPNotSupportedError, UnicodeError) as exc:
            # An address outside ASCII and a server without SMTPUTF8: this message cannot go, the next may.
            _log_error(config, exc)
            raise MailRefused(f"{type(exc).__name__}: the server does not offer SMTPUTF8") from None
        except (OSError, smtplib.SMTPException) as exc:
            _log_error(config, exc)
            self.close()
            raise MailUnavailable(f"{type(exc).__name__} from {config.host}:{config.port}") from None
        return f"smtp:{config.host}:{config.port}"


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if config.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        server.ehlo()
        if config.scheme == "smtp+starttls":
            server.starttls(context=context)
            server.ehlo()
        if config.username:
            server.login(config.username, config.password or "")
    except BaseException:
        server.close()
        raise
    return server


def _refusal(exc: smtplib.SMTPException) -> str:
    """The server's code and words, e.g. '550 5.1.1 Mailbox unavailable'."""
    reply: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, reply = exc.smtp_code, exc.smtp_error
    else:
        return type(exc).__name__
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text[:120]}".strip()


def _log_error(config: SmtpConfig, exc: BaseException) -> None:
    log.error(
        json.dumps(
            {
                "msg": "smtp_error",
                "host": config.host,
                "port": config.port,
                "error_class": type(exc).__name__,
                "error": _loggable(exc),
            }
        )
    )


def _loggable(exc: BaseException) -> str:
    """What of a mail error may be logged: the server's reply codes (its words, and a refusal's own text, may
    quote the recipient's address), or what failed on the connection."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return " ".join(str(code) for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return str(exc.smtp_code)
    if isinstance(exc, UnicodeError):
        return "an address outside ASCII"
    return str(exc)[:300]


def _write_outbox(messages: list[EmailMessage], outbox: Path) -> list[str]:
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        written = []
        for message in messages:
            to = message["To"].addresses[0].addr_spec if message["To"] and message["To"].addresses else "unknown"
            stem = _SAFE_NAME.sub("_", f"{message['X-Booking-Ref'] or 'message'}-{to}")[:120]
            path = outbox / f"{stem}.eml"
            number = 1
            while path.exists():
                number += 1
                path = outbox / f"{stem}-{number}.eml"
            policy = message.policy
            assert isinstance(policy, EmailPolicy)  # an EmailMessage's
            path.write_bytes(message.as_bytes(policy=policy.clone(utf8=True)))
            written.append(str(path))
    except OSError as exc:
        raise MailUnavailable(f"cannot write to the outbox {outbox}: {exc.strerror}") from None
    return written
