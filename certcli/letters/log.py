"""The letter log: letters rendered and logged, asked for (pending), notified.

A letter is logged with the file it was written to, in the same transaction as
whatever it records (a renewal reminder); a file exists only for a logged
letter, its name taken after that commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.errors import NotFound, StateError, ValidationError
from certcli.letters import render
from certcli.letters.render import Letter
from certcli.records import dataclass, field

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class RenderedLetter:
    template: str
    path: Path
    format: str
    logged: bool
    letter_id: int | None = None
    ids: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "template": self.template,
            "path": str(self.path),
            "format": self.format,
            "logged": self.logged,
            "letter_id": self.letter_id,
            **self.ids,
        }


def record(
    store: Store, letter: Letter, path: Path, fmt: str, date: dt.date, *, post: bool = True
) -> int:
    """Log one rendered letter (call inside store.transaction()); `post`: it is for
    the post (an `--email` letter without `--post` is not)."""
    ctx = letter.context
    letter_id = store.insert(
        "letters",
        {
            "template": letter.template,
            "candidate_id": ctx.candidate_id,
            "dossier_id": ctx.dossier_id,
            "certificate_id": ctx.certificate_id,
            "invoice_id": ctx.invoice_id,
            "date": date.isoformat(),
            "path": str(path),
            "format": fmt,
            "actor": store.actor,
            "rendered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "post": int(post),
        },
    )
    store.audit(
        "letter.render",
        "letter",
        letter_id,
        {
            "template": letter.template,
            "candidate_id": ctx.candidate_id,
            "ref": ctx.ref,
            "path": str(path),
            "format": fmt,
        },
        date,
    )
    return letter_id


# -- pending letters ----------------------------------------------------------------------------
# A letter is asked for in the transaction of its step (a decision, a reminder) and
# rendered after the commit, as pretix renders an invoice's PDF after its
# transaction: the PDF takes a second or more, far too long to hold the write lock,
# and a rendering that fails (or a run killed meanwhile) must not undo the step. The
# pending row is what makes the letter survive the kill: `letters render --pending`,
# or the next command that renders letters, completes it, once.
def ask(
    store: Store,
    letter: Letter,
    *,
    date: dt.date,
    fmt: str,
    out_dir: str | Path,
    templates_dir: str | Path | None = None,
    reminder_id: int | None = None,
    post: bool = True,
    invoice_reminder_id: int | None = None,
    enclosed_in: int | None = None,
) -> int:
    """Record `letter` as pending (call inside the step's transaction); its id.
    `post`: for the post (False: only e-mailed, certcli.letters.mail).
    `reminder_id` / `invoice_reminder_id`: the ledger row (a renewal reminder, an
    unpaid invoice's reminder level) it is the letter of, given its letter when it
    is logged; `enclosed_in`: the pending letter in whose file this one is rendered
    (a grant's invoice after its notification), completed with it."""
    if fmt not in render.FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
    ctx = letter.context
    ref = str(ctx.candidate_id) if ctx.kind == "candidate" else ctx.ref
    return store.insert(
        "pending_letters",
        {
            "template": letter.template,
            "record": ctx.kind,
            "ref": ref,
            "candidate_id": ctx.candidate_id,
            "date": date.isoformat(),
            "format": fmt,
            # absolute: the letter may be completed by a run started in another folder
            "out_dir": str(Path(out_dir).resolve()),
            "templates_dir": str(Path(templates_dir).resolve()) if templates_dir else None,
            "reminder_id": reminder_id,
            "post": int(post),
            "invoice_reminder_id": invoice_reminder_id,
            "enclosed_in": enclosed_in,
            "asked_by": store.actor,
            "asked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )


def _done(store: Store, pending_id: int) -> bool:
    """A pending letter some run has rendered (its row is never deleted)."""
    return _done_row(store.pending_letter(pending_id))


def _done_row(row) -> bool:
    return row is None or bool(row["letter_id"])


class _Taken(Exception):
    """Another run completed the letter (or took its file name) meanwhile."""


def _compose_pending(store: Store, row) -> Letter:
    return render.compose(
        store,
        row["template"],
        date=dt.date.fromisoformat(row["date"]),
        templates_dir=row["templates_dir"],
        **{row["record"]: row["ref"]},
    )


def complete(
    store: Store,
    pending_ids: list[int],
    composed: list[Letter] | None = None,
    *,
    stem: str | None = None,
) -> list[RenderedLetter] | None:
    """Render pending letters into one file (one letter unless a batch gives `stem`),
    then log them and mark them done in one transaction; the file takes its name
    after that commit, so a letter file exists only for a logged letter. None
    when another run completed one of them meanwhile: this run's file is removed."""
    found = [store.pending_letter(i) for i in pending_ids]
    rows = [row for row in found if row is not None and not row["letter_id"]]
    if len(rows) != len(found):
        return None
    if composed is None:
        composed = [_compose_pending(store, row) for row in rows]
    first = rows[0]
    fmt, date = first["format"], dt.date.fromisoformat(first["date"])
    folder = render.prepare_out_dir(first["out_dir"], store)
    path = render.output_path(store, folder, stem or render.file_stem(composed[0], date), fmt)
    done = []
    try:
        with render.letter_file(store, path) as tmp:
            render.write(composed, tmp, fmt, first["templates_dir"])
            with store.transaction():
                if store.letter_at_path(str(path)) is not None:
                    raise _Taken
                for row, letter in zip(rows, composed, strict=True):
                    if _done(store, row["id"]):
                        raise _Taken
                    done.append(_log(store, row, letter, path))
    except _Taken:
        if all(_done(store, i) for i in pending_ids):
            return None
        # a batch partly completed elsewhere, or a name taken by a concurrent run:
        # the rest, one by one
        return [r for i in pending_ids for r in (complete(store, [i]) or [])] or None
    return done


# Letters rendered each into its own file are logged LOG_EACH at a time: one
# transaction (one commit, one fsync) for the lot instead of one each, which cost
# more than writing an HTML letter. Every file of the lot is written whole first,
# as a private part file; then the lot is logged; then the files take their names.
LOG_EACH = 50


def complete_each(
    store: Store,
    items: list[tuple[int, Letter]],
    *,
    written: Callable[[int], None] | None = None,
) -> list[RenderedLetter | None]:
    """Render pending letters (id, composed letter) each into its own file, and log
    them with one transaction per LOG_EACH; what comes back is in the order given,
    None for a letter another run completed meanwhile. `written(i)` is called once
    the i-th file is written.

    The guarantees of `complete`, letter by letter: a letter is logged once, with a
    file written before that commit, the file taking its name after it. A run killed
    while writing a lot logged none of it: its letters are still pending and their
    part files are swept by the next run. A failure (or Ctrl-C) writing one letter
    first logs the lot's letters already written, as one by one would have, then
    is raised: that letter and the rest stay pending."""
    from certcli.letters import pdf

    done: list[RenderedLetter | None] = []
    with pdf.shared_fonts():  # for PDF letters: Fontconfig loaded once, not once a file
        for start in range(0, len(items), LOG_EACH):
            lot = items[start : start + LOG_EACH]

            def lot_written(i: int, start: int = start) -> None:
                if written is not None:
                    written(start + i)

            done += _complete_lot(store, lot, lot_written)
    return done


def _complete_lot(
    store: Store, lot: list[tuple[int, Letter]], written: Callable[[int], None]
) -> list[RenderedLetter | None]:
    outcome: list[RenderedLetter | None] = [None] * len(lot)
    files: list[tuple[int, Any, Path, Any]] = []  # (index, pending row, path, part file)
    taken: set[str] = set()  # names chosen for this lot, not logged yet
    folders: dict[str, Path] = {}  # each letters folder prepared once a lot
    rows = store.pending_letters_by_id([pending_id for pending_id, _ in lot])  # one query
    try:
        for i, (pending_id, letter) in enumerate(lot):
            row = rows.get(pending_id)
            if row is None or row["letter_id"]:
                continue  # another run completed it
            fmt, date = row["format"], dt.date.fromisoformat(row["date"])
            if row["out_dir"] not in folders:
                prepared = render.prepare_out_dir(row["out_dir"], store)
                folders[row["out_dir"]] = prepared.resolve()
            path = render.free_name(
                store, folders[row["out_dir"]], render.file_stem(letter, date), fmt, taken=taken
            )
            fill = None
            if fmt == "html":  # written through the descriptor that makes the part file

                def fill(fd, letter=letter, path=path, folder=row["templates_dir"]):
                    render.write([letter], path, "html", folder, fd=fd)

            part = render.letter_file(store, path, fill)
            tmp = part.__enter__()  # a failure filling it: raised, nothing left
            if fill is None:
                try:
                    render.write([letter], tmp, fmt, row["templates_dir"])
                except BaseException as exc:
                    part.__exit__(type(exc), exc, exc.__traceback__)
                    raise
            taken.add(str(path))
            files.append((i, row, path, part))
            written(i)
    finally:
        # Raised or not, what was written is logged (and what is not is refused: its
        # part file removed, the letter left for `complete`, one by one, below).
        again = _log_lot(store, lot, files, outcome)
    for i in again:
        redone = complete(store, [lot[i][0]], [lot[i][1]])
        outcome[i] = redone[0] if redone else None
    return outcome


def _log_lot(store: Store, lot, files, outcome) -> list[int]:
    """Log the lot's written letters in one transaction, then give their files their
    names; the indexes of those whose name a concurrent run took meanwhile (their
    files removed, to be rendered again)."""
    again: list[int] = []
    kept: set[int] = set()
    if not files:
        return again
    try:
        with store.transaction():
            # Read under the write lock, for the whole lot at once (its names are
            # distinct: none of them is logged by the lot's own inserts below).
            logged = store.logged_paths([str(path) for _, _, path, _ in files])
            now = store.pending_letters_by_id([row["id"] for _, row, _, _ in files])
            for i, row, path, _ in files:
                if str(path) in logged:
                    again.append(i)
                elif not _done_row(now.get(row["id"])):  # else completed elsewhere: None
                    outcome[i] = _log(store, row, lot[i][1], path)
                    kept.add(i)
    except BaseException as exc:
        for _, _, _, part in files:
            part.__exit__(type(exc), exc, exc.__traceback__)  # removed
        raise
    failure = None
    for i, _, _, part in files:
        try:
            if i in kept:
                part.__exit__(None, None, None)  # the file takes its name
            else:
                part.__exit__(_Taken, _Taken(), None)  # removed
        except Exception as exc:  # a rename refused: the others still take theirs
            failure = failure or exc
    if failure is not None:
        raise failure
    return again


def _log(store: Store, row, letter: Letter, path: Path) -> RenderedLetter:
    """Log one pending letter rendered to `path` (inside the transaction) and mark
    it done, with the ledger rows it is the letter of."""
    fmt = row["format"]
    letter_id = record(
        store, letter, path, fmt, dt.date.fromisoformat(row["date"]), post=bool(row["post"])
    )
    store.update("pending_letters", row["id"], {"letter_id": letter_id})
    if row["reminder_id"]:
        store.update("reminders", row["reminder_id"], {"letter_id": letter_id})
    if row["invoice_reminder_id"]:
        store.update("invoice_reminders", row["invoice_reminder_id"], {"letter_id": letter_id})
    ctx = letter.context
    return RenderedLetter(
        letter.template,
        path,
        fmt,
        True,
        letter_id,
        {"candidate_id": ctx.candidate_id, "ref": ctx.ref},
    )


@dataclass
class PendingOutcome:
    id: int
    template: str
    record: str
    ref: str
    path: Path | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "template": self.template,
            "record": self.record,
            "ref": self.ref,
            "path": str(self.path) if self.path else None,
            "error": self.error,
        }


def complete_pending(store: Store) -> list[PendingOutcome]:
    """Render every pending letter, each once (with the letters rendered in its file);
    one that fails stays pending with its error (the others go on)."""
    from certcli.errors import CertcliError

    outcomes = []
    rows = store.pending_letters()
    waiting = {row["id"] for row in rows}
    for row in rows:
        if row["enclosed_in"] in waiting:
            continue  # rendered in the file of the letter it goes with, below
        # the letter, and what is rendered in its file (a grant's invoice)
        ids = [row["id"], *(r["id"] for r in rows if r["enclosed_in"] == row["id"])]
        outcome = PendingOutcome(row["id"], row["template"], row["record"], row["ref"])
        try:
            done = complete(store, ids)
        except CertcliError as exc:
            outcome.error = str(exc)
        else:
            if done is None:
                continue  # another run did it meanwhile
            outcome.path = done[0].path
        outcomes.append(outcome)
    return outcomes


def pending(store: Store, *, limit: int | None = None, offset: int = 0) -> list[dict]:
    """The letters asked for and not rendered yet (`letters pending` JSON keys),
    oldest first; a page with `limit`."""
    sql, params = store.pending_letters_sql()
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [_pending_item(r) for r in rows]


def pending_count(store: Store) -> int:
    return store.count_of(*store.pending_letters_sql())


def pending_stream(store: Store) -> Iterator[dict]:
    """Every letter of `pending`, as it is read (`letters pending --all`)."""
    return (_pending_item(r) for r in store.stream(*store.pending_letters_sql()))


def _pending_item(r) -> dict:
    return {
        "id": r["id"],
        "template": r["template"],
        "record": r["record"],
        "ref": r["ref"],
        "candidate_id": r["candidate_id"],
        "date": r["date"],
        "format": r["format"],
        "out": r["out_dir"],
        "templates": r["templates_dir"],
        "reminder": r["reminder_id"] is not None or r["invoice_reminder_id"] is not None,
        "asked_at": r["asked_at"],
        "asked_by": r["asked_by"],
    }


def _lines_sql(store: Store, candidate_id: int | None, dossier: str | None) -> tuple[str, list]:
    dossier_id = None
    if dossier is not None:
        row = store.dossier(dossier.strip())
        if row is None:
            raise NotFound(f"no dossier {dossier!r}")
        dossier_id = row["id"]
    return store.letters_log_sql(candidate_id=candidate_id, dossier_id=dossier_id)


def _items(store: Store, lines) -> list[dict]:
    """The log's items of these lines (store.letters_log_sql), in their order."""
    letters = {
        r["id"]: r for r in store.letters_log([x["entry"] for x in lines if not x["source"]])
    }
    messages = {
        m["id"]: m for m in store.outbox_messages([x["message"] for x in lines if x["message"]])
    }
    items = []
    for line in lines:
        if line["source"]:
            m = messages[line["message"]]
            items.append(
                {
                    "id": None,
                    "template": m["template"],
                    "candidate_id": m["candidate_id"],
                    "dossier": None,
                    "certificate": None,
                    "invoice": None,
                    "date": m["date"],
                    "path": None,
                    "format": None,
                    "by": m["actor"],
                    "notified_on": None,
                    "registered": None,
                    **_email_channel(m),
                }
            )
            continue
        r = letters[line["entry"]]
        channel = _email_channel(messages[line["message"]]) if line["channel"] else _post_channel()
        items.append(
            {
                "id": r["id"],
                "template": r["template"],
                "candidate_id": r["candidate_id"],
                "dossier": r["dossier_ref"],
                "certificate": r["certificate_number"],
                "invoice": r["invoice_number"],
                "date": r["date"],
                "path": r["path"],
                "format": r["format"],
                "by": r["actor"],
                "notified_on": r["notified_on"],
                "registered": r["registered"],
                **channel,
            }
        )
    return items


def log(
    store: Store,
    *,
    candidate_id: int | None = None,
    dossier: str | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """A page of how each letter went, oldest first (`letters log` JSON keys), and how
    many lines there are: one item per channel, "post" for a letter for the post,
    "email" for each message that carried it (its Message-ID, status
    queued/sent/failed, when it was sent, the server's text when it failed); a
    message with no letter (the identifiers) is an "email" item of its own."""
    sql, params = _lines_sql(store, candidate_id, dossier)
    return _items(store, store.page(sql, params, limit, offset)), store.count_of(sql, params)


def stream(
    store: Store, *, candidate_id: int | None = None, dossier: str | None = None
) -> Iterator[dict]:
    """Every item of `log`, a thousand lines at a time (`letters log --all`)."""
    return _streamed(store, store.stream(*_lines_sql(store, candidate_id, dossier)))


def _streamed(store: Store, lines) -> Iterator[dict]:
    import itertools

    while batch := list(itertools.islice(lines, 1000)):
        yield from _items(store, batch)


def _post_channel() -> dict:
    return {
        "channel": "post",
        "status": "posted",
        "message_id": None,
        "to": None,
        "sent_at": None,
        "error": None,
    }


def _email_channel(m) -> dict:
    return {
        "channel": "email",
        "status": m["status"],
        "message_id": m["message_id"],
        "to": m["to_addr"],
        "sent_at": m["sent_at"],
        "error": m["error"],
    }


MAX_REGISTERED = 40  # a registered letter's number (e.g. "1A 123 456 7890 1")


def notified(store: Store, letter_id: int, *, date: dt.date, registered: str | None = None) -> dict:
    """Record the day a logged letter reached its recipient (a registered letter's
    acknowledgement of receipt): once per letter, not before the letter's own date.
    A refusal letter's notification starts its appeal delay (appeals.deadline)."""
    from certcli.domain import appeals
    from certcli.rules import schemes, validators

    registered = validators.text(registered, "registered letter number", MAX_REGISTERED)
    with store.transaction():
        # Read under the write lock: of two notifications at once, the second is refused.
        row = store.letter(letter_id)
        if row is None:
            raise NotFound(f"no letter with id {letter_id} (see `certcli letters log`)")
        if row["notified_on"]:
            by = f", registered {row['registered']}" if row["registered"] else ""
            raise StateError(
                f"letter {letter_id} ({row['template']}) was already notified on "
                f"{row['notified_on']}{by}"
            )
        if date.isoformat() < row["date"]:
            raise ValidationError(
                f"letter {letter_id} ({row['template']}) is dated "
                f"{row['date']}: it cannot be notified before, on "
                f"{date.isoformat()}"
            )
        store.insert(
            "letter_notifications",
            {
                "letter_id": letter_id,
                "notified_on": date.isoformat(),
                "registered": registered,
                "actor": store.actor,
                "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        details = {
            "template": row["template"],
            "notified_on": date.isoformat(),
            "registered": registered,
            "dossier": row["dossier_ref"],
            "certificate": row["certificate_number"],
        }
        store.audit("letter.notified", "letter", letter_id, details, date)
        result = {
            "id": letter_id,
            **details,
            "letter_date": row["date"],
            "appeal_deadline": None,
            "appeal_deadline_from": None,
        }
        if row["template"] in appeals.REFUSAL_LETTERS and row["dossier_id"]:
            dossier = store.dossier_by_id(row["dossier_id"])
            assert dossier is not None  # a foreign key
            refused = store.first_refusal(dossier["id"])
            if refused is not None and not store.appeals(dossier_id=dossier["id"]):
                limit = appeals.deadline(
                    schemes.get(dossier["scheme"]),
                    dt.date.fromisoformat(refused["date"]),
                    store=store,
                    dossier_id=dossier["id"],
                )
                result.update(
                    appeal_deadline=limit.date.isoformat(), appeal_deadline_from=limit.source
                )
    return result
