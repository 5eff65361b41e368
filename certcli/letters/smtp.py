"""The SMTP side of e-mail: the office's settings (its config file, or
CERTCLI_SMTP_URL), the password (CERTCLI_SMTP_PASSWORD or the OS keyring, never
the database) and the connection that sends (smtplib, imported when sending).

A server's answer decides what becomes of a message (certcli.letters.mail):
a 5xx for this message is `Permanent` (marked failed, with the server's text), a
4xx `Temporary` (left queued), and a server that cannot be reached or refuses
the login is `Unreachable` (left queued, and the run stops trying).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from certcli.errors import CertcliError, ValidationError
from certcli.records import dataclass

if TYPE_CHECKING:
    from email.message import EmailMessage

# key -> (type, help); the config file's [smtp] and [mail] tables.
KEYS: dict[str, tuple[type, str]] = {
    "smtp.host": (str, "the SMTP server's host name"),
    "smtp.port": (int, "its port (587 with STARTTLS, 465 with SSL, 25 plain)"),
    "smtp.user": (str, "the login, when the server asks for one"),
    "smtp.starttls": (bool, "STARTTLS after connecting (true/false)"),
    "smtp.ssl": (bool, "TLS from the start, SMTPS (true/false)"),
    "smtp.timeout": (int, "seconds to wait for the server"),
    "mail.from_name": (str, "the sender's name when the body file has no [mail] section"),
    "mail.from_address": (str, "the sender's address when the body file has no [mail] section"),
}
DEFAULT_TIMEOUT = 30
KEYRING_SERVICE = "certcli"


def config_path() -> Path:
    """CERTCLI_CONFIG, else config.toml in the per-user config folder (platformdirs)."""
    env = os.environ.get("CERTCLI_CONFIG")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("certcli", appauthor=False)) / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The config file's values by dotted key ({} when there is no file)."""
    import tomllib

    path = path or config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read the config file {path}: {exc}") from None
    values = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ValidationError(f"config file {path}: '{section}' must be a [table]")
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in KEYS:
                raise ValidationError(f"config file {path}: unknown setting {name!r}")
            values[name] = value
    return values


def _parse(key: str, raw: str) -> Any:
    if key == "smtp.password" or key.endswith("password"):
        raise ValidationError(
            "the SMTP password is never stored in a file or the database: set "
            "CERTCLI_SMTP_PASSWORD, or keep it in the OS keyring "
            f"(`keyring set {KEYRING_SERVICE} USER@HOST`)"
        )
    if key not in KEYS:
        raise ValidationError(f"unknown setting {key!r} (known: {', '.join(KEYS)})")
    kind = KEYS[key][0]
    text = raw.strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValidationError(f"{key} is true or false, not {raw!r}")
    if kind is int:
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ValidationError(f"{key} is a whole number from 1 to 65535, not {raw!r}")
        return int(text)
    if not text or any(c in text for c in "\r\n\x00") or len(text) > 254:
        raise ValidationError(f"{key}: {raw!r} is not a usable value")
    if key == "mail.from_address":
        from certcli.rules import validators

        return validators.email(text)
    return text


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def set_value(key: str, raw: str, path: Path | None = None) -> Any:
    """Write one setting to the config file (created 0600); the value written."""
    from certcli.store import files

    path = path or config_path()
    value = _parse(key, raw)
    values = {**load_config(path), key: value}
    lines = ["# certcli's office settings (`certcli config set KEY VALUE`)."]
    for section in ("smtp", "mail"):
        keys = [k for k in KEYS if k.startswith(f"{section}.") and k in values]
        if keys:
            lines.append(f"\n[{section}]")
            lines.extend(f"{k.split('.', 1)[1]} = {_toml_value(values[k])}" for k in keys)
    files.ensure_dir(path.parent)
    files.write_text(path, "\n".join(lines) + "\n", force=True)
    return value


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    user: str | None
    starttls: bool
    ssl: bool
    timeout: int
    source: str  # "CERTCLI_SMTP_URL" or the config file's path

    def to_dict(self) -> dict:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "starttls": self.starttls,
            "ssl": self.ssl,
            "timeout": self.timeout,
            "source": self.source,
        }

    @property
    def shown(self) -> str:
        scheme = "smtps" if self.ssl else "smtp"
        user = f"{self.user}@" if self.user else ""
        tls = "?starttls=1" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


def _flag(query: dict, name: str) -> bool:
    value = (query.get(name) or [""])[-1].lower()
    return value in ("1", "true", "yes", "on")


def from_url(url: str) -> Settings:
    """smtp://[user@]host[:port][?starttls=1][&timeout=S], or smtps://… (TLS from the start)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValidationError(f"CERTCLI_SMTP_URL {url!r} is not a valid URL") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValidationError(
            f"CERTCLI_SMTP_URL {url!r}: expected smtp://host:port or smtps://host:port"
        )
    if parts.password is not None:
        raise ValidationError(
            "CERTCLI_SMTP_URL holds a password: give it in CERTCLI_SMTP_PASSWORD instead"
        )
    query = parse_qs(parts.query)
    ssl = parts.scheme == "smtps"
    timeout = (query.get("timeout") or [""])[-1]
    return Settings(
        host=parts.hostname,
        port=port or (465 if ssl else 25),
        user=unquote(parts.username) if parts.username else None,
        starttls=_flag(query, "starttls"),
        ssl=ssl,
        timeout=int(timeout) if timeout.isdigit() and int(timeout) > 0 else DEFAULT_TIMEOUT,
        source="CERTCLI_SMTP_URL",
    )


def settings() -> Settings:
    """CERTCLI_SMTP_URL, else the config file's [smtp] table."""
    url = os.environ.get("CERTCLI_SMTP_URL")
    if url:
        return from_url(url)
    path = config_path()
    values = load_config(path)
    host = values.get("smtp.host")
    if not host:
        raise ValidationError(
            "no SMTP server is set: `certcli config set smtp.host HOST` (and smtp.port, "
            "smtp.user, smtp.starttls), or CERTCLI_SMTP_URL=smtp://host:port"
        )
    ssl = bool(values.get("smtp.ssl", False))
    return Settings(
        host=str(host),
        port=int(values.get("smtp.port") or (465 if ssl else 587)),
        user=values.get("smtp.user") or None,
        starttls=bool(values.get("smtp.starttls", not ssl)),
        ssl=ssl,
        timeout=int(values.get("smtp.timeout") or DEFAULT_TIMEOUT),
        source=str(path),
    )


def keyring_available() -> bool:
    try:
        import keyring  # noqa: F401
    except ImportError:
        return False
    return True


def password(conf: Settings) -> str | None:
    """CERTCLI_SMTP_PASSWORD, else the OS keyring (service "certcli", USER@HOST);
    None when the server takes no login."""
    if not conf.user:
        return None
    env = os.environ.get("CERTCLI_SMTP_PASSWORD")
    if env:
        return env
    where = f"{conf.user}@{conf.host}"
    if keyring_available():
        import keyring

        try:
            found = keyring.get_password(KEYRING_SERVICE, where)
        except Exception as exc:  # a keyring backend's own errors
            raise ValidationError(f"the OS keyring cannot be read: {exc}") from None
        if found:
            return found
        raise ValidationError(
            f"no password for {where}: set CERTCLI_SMTP_PASSWORD, or store it with "
            f"`keyring set {KEYRING_SERVICE} {where}`"
        )
    raise ValidationError(
        f"no password for {where}: set CERTCLI_SMTP_PASSWORD (the OS keyring cannot be "
        "used: the Python module `keyring` is not installed)"
    )


# -- what a server answered ----------------------------------------------------------------------
class Unreachable(CertcliError):
    """The server cannot be reached or refused the login: nothing can be sent now."""


class Temporary(CertcliError):
    """A 4xx for this message: try again later."""


class Permanent(CertcliError):
    """A 5xx for this message: it will never go."""


def _text(code: int, message: bytes | str) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {' '.join(str(message).split())}"


class Connection:
    """One SMTP session for a run's messages, opened at the first message and
    reopened once if the server hangs up between two."""

    def __init__(self, conf: Settings):
        self.conf = conf
        self.smtp: Any = None

    def _open(self) -> None:
        import smtplib
        import ssl as ssl_module

        conf = self.conf
        secret = password(conf)
        try:
            if conf.ssl:
                smtp: Any = smtplib.SMTP_SSL(
                    conf.host,
                    conf.port,
                    timeout=conf.timeout,
                    context=ssl_module.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(conf.host, conf.port, timeout=conf.timeout)
            if conf.starttls:
                smtp.starttls(context=ssl_module.create_default_context())
            if conf.user:
                smtp.login(conf.user, secret or "")
        except smtplib.SMTPAuthenticationError as exc:
            answer = _text(exc.smtp_code, exc.smtp_error)
            raise Unreachable(f"the SMTP server {conf.shown} refused the login: {answer}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise Unreachable(f"the SMTP server {conf.shown}: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            raise Unreachable(
                f"the SMTP server {conf.shown} answered {_text(exc.smtp_code, exc.smtp_error)}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise Unreachable(f"cannot reach the SMTP server {conf.shown}: {reason}") from None
        self.smtp = smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Hand one message to the server, or raise Unreachable/Temporary/Permanent."""
        import smtplib

        for attempt in (1, 2):
            if self.smtp is None:
                self._open()
            try:
                refused = self.smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients.get(recipient, (550, b"recipient refused"))
                raise (Permanent if code >= 500 else Temporary)(_text(code, text)) from None
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                error = Permanent if exc.smtp_code >= 500 else Temporary
                raise error(_text(exc.smtp_code, exc.smtp_error)) from None
            except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                self.smtp = None
                if attempt == 2:
                    raise Unreachable(f"the SMTP server {self.conf.shown} hung up: {exc}") from None
                continue
            except smtplib.SMTPResponseException as exc:
                error = Permanent if exc.smtp_code >= 500 else Temporary
                raise error(_text(exc.smtp_code, exc.smtp_error)) from None
            except (OSError, smtplib.SMTPException) as exc:
                self.smtp = None
                raise Unreachable(f"the SMTP server {self.conf.shown}: {exc}") from None
            if refused:
                code, text = refused.get(recipient, (550, b"recipient refused"))
                raise Permanent(_text(code, text))
            return

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # the server gone already: nothing to close
                pass
            self.smtp = None
