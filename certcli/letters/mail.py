"""E-mail through an outbox: each message recorded with its step, sent after it.

A message is recorded (recipient, subject, its mail template, the letter it
carries, a Message-ID made once) in the transaction of the step it follows, as
a letter is asked for there (certcli.letters.log.ask); it is sent after the
commit, once its letter is rendered, then marked sent, each in a transaction of
its own. So a run killed at any point loses nothing and sends nothing twice: the
next run (or `certcli mail flush`) sends what is still queued, and the only
message that can go again is the one in flight at the kill, with the same
Message-ID, which the recipient's mail client drops as a duplicate.

The run sending a message claims it first (`claimed_by`: host and process):
another run leaves it alone while that process lives (on another host, for
CLAIM_MINUTES), so two desks flushing at once do not both send it.

The body is a short French note from `templates/mail/NAME.txt` (first line the
subject, then a blank line, then the text) and `templates/mail/NAME.html`, NAME
being the letter's template, overridable in the secretariat's folder like a
letter; the letter's PDF is attached.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.errors import CertcliError, TemplateError, ValidationError
from certcli.letters import catalog, render, smtp
from certcli.records import dataclass, field

if TYPE_CHECKING:
    from email.message import EmailMessage

    from certcli.letters.context import LetterContext
    from certcli.letters.render import Letter
    from certcli.store import Store

KINDS = ("letter", "credentials", "test")
STATUSES = ("queued", "sent", "failed")
CLAIM_MINUTES = 10  # a claim by a process on another host is taken over after this
CREDENTIALS_TEMPLATE = "identifiants"
TEST_TEMPLATE = "test"


class NoEmailAddress(ValidationError):
    """The recipient has no e-mail address (a batch skips them)."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -- who sends, to whom ----------------------------------------------------------------------
def sender(body: dict | None) -> tuple[str, str]:
    """(name, address) of the sender: the body file's [mail] section (from_name,
    from_address), else the config file's mail.from_name / mail.from_address, else
    the body's own name and e-mail."""
    body = body or {}
    found = body.get("mail")
    own: dict = found if isinstance(found, dict) else {}
    conf = smtp.load_config()
    address = own.get("from_address") or conf.get("mail.from_address") or body.get("email")
    name = own.get("from_name") or conf.get("mail.from_name") or body.get("name") or ""
    if not address:
        raise ValidationError(
            "no sender address: add a [mail] section (from_name, from_address) to the "
            "body file, or `certcli config set mail.from_address ADDRESS`"
        )
    return str(name), str(address)


def recipient(context: LetterContext) -> str:
    candidate = context.data["candidate"]
    address = str(candidate.get("email") or "").strip()
    if not address:
        cid = candidate["id"]
        raise NoEmailAddress(
            f"candidate {cid} ({candidate['full_name']}) has no e-mail address: add it "
            f"with `certcli candidate edit {cid} --email …`"
        )
    return address


# -- the text ------------------------------------------------------------------------------------
@cache
def _environment(folders: tuple[Path, ...]):
    """The letters' sandbox over the same folders; HTML escaped in .html only."""
    from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape

    from certcli.letters import filters

    env = render._environment_class()(
        loader=FileSystemLoader([str(f) for f in folders]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters.register(env)
    return env


def _render(env, name: str, variables: dict) -> str:
    from jinja2 import TemplateError as JinjaError

    try:
        with render._time_limit(render.TEMPLATE_SECONDS):
            text = env.get_template(name).render(variables)
    except render._TookTooLong:
        raise TemplateError(f"mail template {name!r} took too long to render") from None
    except JinjaError as exc:
        raise render._template_error(name, exc) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise render._template_error(name, exc) from None
    if len(text) > render.MAX_LETTER_CHARS:
        raise TemplateError(f"mail template {name!r} renders far too much text")
    return text


def compose(
    template: str, variables: dict, templates_dir: str | Path | None = None
) -> tuple[str, str, str | None]:
    """(subject, text, html or None) of mail/TEMPLATE.txt and, beside it, .html."""
    folders = catalog.search_path(templates_dir)
    found = [f for f in folders if (f / "mail" / f"{template}.txt").is_file()]
    if not found:
        raise TemplateError(
            f"no e-mail template mail/{template}.txt (in {', '.join(str(f) for f in folders)})"
        )
    env = _environment(folders)
    text = _render(env, f"mail/{template}.txt", variables).replace("\r\n", "\n")
    subject, _, body = text.lstrip("\n").partition("\n")
    subject = " ".join(subject.split())
    if not subject:
        raise TemplateError(f"mail/{template}.txt: its first line, the subject, is empty")
    # The HTML part only from the folder of the text: a secretariat that rewrites
    # NAME.txt alone sends its text alone, never the built-in HTML saying otherwise.
    html = None
    if (found[0] / "mail" / f"{template}.html").is_file():
        html = _render(env, f"mail/{template}.html", variables)
    return subject, body.strip("\n") + "\n", html


# -- a message -------------------------------------------------------------------------------------
@dataclass
class Outgoing:
    """A message as the outbox records it."""

    kind: str
    template: str
    to_addr: str
    from_name: str
    from_addr: str
    subject: str
    body_text: str | None
    body_html: str | None
    date: str
    candidate_id: int | None = None
    message_id: str = ""
    created_at: str = field(default_factory=now)

    def __post_init__(self):
        if not self.message_id:
            from email.utils import make_msgid

            domain = self.from_addr.rpartition("@")[2] or socket.getfqdn()
            self.message_id = make_msgid(domain=domain)


def for_letter(letter: Letter, *, date: dt.date, templates_dir=None) -> Outgoing:
    """The message that carries `letter` (refused without an e-mail address)."""
    ctx = letter.context
    to = recipient(ctx)
    name, address = sender(ctx.data.get("body"))
    subject, text, html = compose(
        letter.template, {**ctx.data, "template": letter.template}, templates_dir
    )
    return Outgoing(
        "letter",
        letter.template,
        to,
        name,
        address,
        subject,
        text,
        html,
        date.isoformat(),
        ctx.candidate_id,
    )


def queue(
    store: Store,
    out: Outgoing,
    *,
    pending_id: int | None = None,
    letter_id: int | None = None,
    keep_body: bool = True,
) -> int:
    """Record the message (call inside the step's transaction); its outbox id."""
    with store.transaction():
        message_id = store.insert(
            "outbox",
            {
                "message_id": out.message_id,
                "kind": out.kind,
                "template": out.template,
                "to_addr": out.to_addr,
                "from_addr": out.from_addr,
                "from_name": out.from_name,
                "subject": out.subject,
                "body_text": out.body_text if keep_body else None,
                "body_html": out.body_html if keep_body else None,
                "candidate_id": out.candidate_id,
                "pending_letter_id": pending_id,
                "letter_id": letter_id,
                "date": out.date,
                "status": "queued",
                "actor": store.actor,
                "created_at": out.created_at,
            },
        )
        store.audit(
            "mail.queue",
            "outbox",
            message_id,
            {
                "to": out.to_addr,
                "subject": out.subject,
                "template": out.template,
                "message_id": out.message_id,
                "letter": letter_id,
                "pending_letter": pending_id,
            },
            dt.date.fromisoformat(out.date),
        )
    return message_id


def message(
    out: Outgoing, attachment: Path | None = None, *, text: str | None = None
) -> EmailMessage:
    """The MIME message: text (and HTML) under the letter's PDF."""
    from email.message import EmailMessage
    from email.utils import format_datetime, formataddr

    msg = EmailMessage()
    msg["From"] = formataddr((out.from_name, out.from_addr)) if out.from_name else out.from_addr
    msg["To"] = out.to_addr
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(dt.datetime.fromisoformat(out.created_at))
    msg["Message-ID"] = out.message_id
    msg.set_content(text if text is not None else (out.body_text or ""))
    if out.body_html and text is None:
        msg.add_alternative(out.body_html, subtype="html")
    if attachment is not None:
        try:
            data = attachment.read_bytes()
        except OSError as exc:
            raise TemplateError(
                f"cannot read the letter {attachment} to attach: {exc.strerror}"
            ) from None
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=attachment.name)
    return msg


def write_eml(folder: Path, out: Outgoing, attachment: Path | None = None) -> Path:
    """A dry run's message, as an .eml file beside the letters."""
    from certcli.store import files

    stem = render.safe_name(out.date, "mail", out.template, out.to_addr.replace("@", "-at-"))
    path = folder / f"{stem}.eml"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.eml"
        n += 1
    files.write_bytes(path, bytes(message(out, attachment)))
    return path


def _outgoing(row) -> Outgoing:
    return Outgoing(
        row["kind"],
        row["template"],
        row["to_addr"],
        row["from_name"] or "",
        row["from_addr"],
        row["subject"],
        row["body_text"],
        row["body_html"],
        row["date"],
        row["candidate_id"],
        row["message_id"],
        row["created_at"],
    )


# -- sending -------------------------------------------------------------------------------------
def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _held_elsewhere(claimed_by: str | None, claimed_at: str | None) -> bool:
    """Another run, still alive, is sending this message."""
    if not claimed_by or claimed_by == _me():
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False  # killed in flight: its message goes again, same Message-ID
        except PermissionError:
            return True
        return True
    if not claimed_at:
        return False
    age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(claimed_at)
    return age < dt.timedelta(minutes=CLAIM_MINUTES)


@dataclass
class Flushed:
    """What a run did with the outbox: items as `mail queue` shows them."""

    sent: list[dict] = field(default_factory=list)
    queued: list[dict] = field(default_factory=list)  # a temporary failure
    failed: list[dict] = field(default_factory=list)  # a permanent one
    waiting: list[dict] = field(default_factory=list)  # its letter not rendered yet
    written: list[Path] = field(default_factory=list)  # --dry-run's .eml files
    unreachable: str | None = None

    def to_dict(self) -> dict:
        return {
            "sent": self.sent,
            "queued": self.queued,
            "failed": self.failed,
            "waiting": self.waiting,
            "files": [str(p) for p in self.written],
            "error": self.unreachable,
        }


def item(row, status: str | None = None, error: str | None = None) -> dict:
    """One message as `mail queue --json` lists it."""
    return {
        "id": row["id"],
        "to": row["to_addr"],
        "subject": row["subject"],
        "status": status or row["status"],
        "error": error if status else row["error"],
        "message_id": row["message_id"],
        "template": row["template"],
        "letter": row["carried_letter_id"],
        "date": row["date"],
        "sent_at": row["sent_at"],
        "attempts": row["attempts"],
    }


class Sender:
    """The outbox's sending, one SMTP connection for a run's messages. `bodies`:
    the text of messages whose body is not stored (the identifiers), this run only."""

    def __init__(self, store: Store, *, on_sent: Callable[[Any], None] | None = None):
        self.store = store
        self.connection: smtp.Connection | None = None
        self.bodies: dict[int, str] = {}
        self.on_sent = on_sent

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def flush(self, ids: list[int] | None = None, result: Flushed | None = None) -> Flushed:
        """Send the queued messages (only `ids` when given), oldest first."""
        store = self.store
        result = result or Flushed()
        for row in store.outbox_queued(ids):
            if result.unreachable is not None:
                result.queued.append(item(row, "queued", result.unreachable))
                continue
            self._one(row, result)
        return result

    def _one(self, row, result: Flushed) -> None:
        store = self.store
        if row["kind"] == "letter" and not row["letter_path"]:
            result.waiting.append(item(row, "queued", "its letter is not rendered yet"))
            return
        text = row["body_text"]
        if text is None:
            text = self.bodies.get(row["id"])
            if text is None:
                self._mark(
                    row,
                    "failed",
                    "its text was not stored (the identifiers are never kept): send it "
                    f"again with `certcli candidate send-credentials {row['candidate_id']}`",
                    result,
                )
                return
        with store.transaction():
            claim = store.outbox_claims(row["id"])
            if claim is None or claim["status"] != "queued":
                return  # sent by another run meanwhile
            if _held_elsewhere(claim["claimed_by"], claim["claimed_at"]):
                result.queued.append(item(row, "queued", "being sent by another run"))
                return
            store.outbox_claim(row["id"], _me(), now())
        out = _outgoing(row)
        attachment = Path(row["letter_path"]) if row["letter_path"] else None
        try:
            msg = message(out, attachment, text=None if row["body_text"] is not None else text)
            if self.connection is None:
                self.connection = smtp.Connection(smtp.settings())
            self.connection.send(msg, out.from_addr, out.to_addr)
        except smtp.Unreachable as exc:
            result.unreachable = str(exc)
            self._mark(row, "queued", str(exc), result)
        except smtp.Temporary as exc:
            self._mark(row, "queued", str(exc), result)
        except smtp.Permanent as exc:
            self._mark(row, "failed", str(exc), result)
        except CertcliError as exc:  # the letter's file is gone, a bad setting
            self._mark(row, "queued", str(exc), result)
        else:
            self._mark(row, "sent", None, result)

    def _mark(self, row, status: str, error: str | None, result: Flushed) -> None:
        store = self.store
        with store.transaction():
            changes: dict[str, Any] = {"error": error, "claimed_by": None, "claimed_at": None}
            if status != "queued":
                changes["status"] = status
            if status == "sent":
                changes["sent_at"] = now()
            store.update("outbox", row["id"], changes)
            if status != "queued":
                store.audit(
                    f"mail.{status}",
                    "outbox",
                    row["id"],
                    {
                        "to": row["to_addr"],
                        "subject": row["subject"],
                        "message_id": row["message_id"],
                        "error": error,
                    },
                )
        done = item(store.outbox_message(row["id"]))
        {"sent": result.sent, "queued": result.queued, "failed": result.failed}[status].append(done)
        if status == "sent" and self.on_sent is not None:
            self.on_sent(row)


def dry_run(folder: Path, out: Outgoing, attachment: Path | None = None) -> Path:
    return write_eml(folder, out, attachment)


def _outbox_sql(store: Store, status: str | None) -> tuple[str, tuple]:
    if status is not None and status not in STATUSES:
        raise ValidationError(f"invalid status {status!r} ({', '.join(STATUSES)})")
    return store.outbox_sql(status)


def queue_list(
    store: Store, status: str | None = None, *, limit: int, offset: int = 0
) -> tuple[list[dict], int]:
    """A page of the outbox (oldest first; only `status` when given) and how many."""
    sql, params = _outbox_sql(store, status)
    rows = store.page(sql, params, limit, offset)
    return [item(row) for row in rows], store.count_of(sql, params)


def queue_stream(store: Store, status: str | None = None) -> Iterator[dict]:
    """Every message of `queue_list`, as it is read (`mail queue --all`)."""
    return (item(row) for row in store.stream(*_outbox_sql(store, status)))


def flush(store: Store, *, dry_run_dir: Path | None = None) -> Flushed:
    """`mail flush`: send every queued message (or write it as .eml, leaving it queued)."""
    if dry_run_dir is not None:
        result = Flushed()
        folder = render.prepare_out_dir(dry_run_dir)
        for row in store.outbox_queued():
            if row["kind"] == "letter" and not row["letter_path"]:
                result.waiting.append(item(row, "queued", "its letter is not rendered yet"))
                continue
            if row["body_text"] is None:
                continue
            attachment = Path(row["letter_path"]) if row["letter_path"] else None
            result.written.append(write_eml(folder, _outgoing(row), attachment))
            result.queued.append(item(row))
        return result
    if not store.outbox_queued():
        return Flushed()  # nothing to send: no server needed
    check_settings()
    with Sender(store) as sending:
        return sending.flush()


def check_settings() -> smtp.Settings:
    """Fail before anything is recorded when mail cannot be sent at all."""
    conf = smtp.settings()
    smtp.password(conf)
    return conf


def send_test(to: str, *, body: dict | None = None, dry_run_dir: Path | None = None) -> dict:
    """`mail test`: one message straight to the server (no outbox), or an .eml file."""
    from certcli.rules import validators

    address = validators.email(to)
    name, from_addr = sender(body)
    from certcli.rules import dates

    day = dates.today()
    variables = {"body": body or {"name": name, "email": from_addr}, "date": day}
    subject, text, html = compose(TEST_TEMPLATE, variables)
    out = Outgoing(
        "test", TEST_TEMPLATE, address, name, from_addr, subject, text, html, day.isoformat()
    )
    if dry_run_dir is not None:
        path = write_eml(render.prepare_out_dir(dry_run_dir), out)
        return {"to": address, "from": from_addr, "message_id": out.message_id, "file": str(path)}
    conf = check_settings()
    connection = smtp.Connection(conf)
    try:
        connection.send(message(out), from_addr, address)
    except (smtp.Temporary, smtp.Permanent) as exc:
        raise CertcliError(f"the SMTP server {conf.shown} refused the message: {exc}") from None
    finally:
        connection.close()
    return {
        "to": address,
        "from": from_addr,
        "server": conf.shown,
        "message_id": out.message_id,
        "file": None,
    }


def send_credentials(
    store: Store,
    candidate_id: int,
    *,
    date: dt.date,
    login: str | None = None,
    password: str | None = None,
    url: str | None = None,
    templates_dir: str | Path | None = None,
    dry_run_dir: Path | None = None,
) -> dict:
    """`candidate send-credentials`: the member-space identifiers e-mailed to the
    candidate (mail template `identifiants`), the day recorded with the message.
    The identifiers are in the message only: the outbox keeps no body for it, so it
    is sent now or never (a failure is marked failed: send it again)."""
    from certcli.letters import context as letter_context
    from certcli.rules import validators

    ctx = letter_context.for_candidate(store, candidate_id, date)
    to = recipient(ctx)
    login = validators.text(login, "login", 254) or to
    password = validators.text(password, "password", 254) if password else None
    url = validators.text(url, "member-space URL", 500) if url else None
    name, address = sender(ctx.data.get("body"))
    variables = {**ctx.data, "login": login, "password": password, "url": url}
    subject, text, html = compose(CREDENTIALS_TEMPLATE, variables, templates_dir)
    out = Outgoing(
        "credentials",
        CREDENTIALS_TEMPLATE,
        to,
        name,
        address,
        subject,
        text,
        html,
        date.isoformat(),
        ctx.candidate_id,
    )
    if dry_run_dir is not None:
        path = write_eml(render.prepare_out_dir(dry_run_dir), out)
        return {
            "candidate_id": ctx.candidate_id,
            "to": to,
            "date": date.isoformat(),
            "message_id": out.message_id,
            "status": None,
            "error": None,
            "file": str(path),
        }
    check_settings()
    with store.transaction():
        outbox_id = queue(store, out, keep_body=False)
        store.insert(
            "credentials",
            {
                "candidate_id": ctx.candidate_id,
                "date": date.isoformat(),
                "outbox_id": outbox_id,
                "actor": store.actor,
            },
        )
        store.audit(
            "candidate.credentials",
            "candidate",
            ctx.candidate_id,
            {"to": to, "message_id": out.message_id},
            date,
        )
    with Sender(store) as sending:
        sending.bodies[outbox_id] = text
        sending.flush([outbox_id])
    row = store.outbox_message(outbox_id)
    assert row is not None  # recorded above
    if row["status"] == "queued":
        # Its text is gone with this run: it can never be flushed later.
        with store.transaction():
            error = (
                f"{row['error']}; the identifiers are not stored: send them again with "
                f"`certcli candidate send-credentials {ctx.candidate_id}`"
            )
            store.update("outbox", outbox_id, {"status": "failed", "error": error})
            store.audit("mail.failed", "outbox", outbox_id, {"to": to, "error": error}, date)
        row = store.outbox_message(outbox_id)
        assert row is not None
    return {
        "candidate_id": ctx.candidate_id,
        "to": to,
        "date": date.isoformat(),
        "message_id": row["message_id"],
        "status": row["status"],
        "error": row["error"],
        "file": None,
    }
