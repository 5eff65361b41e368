"""Letters: the template catalog, sandboxed rendering, safe file names and the log.

Templates are looked up in the secretariat's folder first (--templates DIR, else
CERTCLI_TEMPLATES), then in the built-in `templates/`; a file of the same name
overrides the built-in one. Each letter template opens with a header that says
what it is and which record it needs:

    {#- certcli
    description = "Accusé de réception du dossier"
    needs = "dossier"
    when = "refused"   # optional: the state the record must be in (letter_context.CONDITIONS)
    workflow = "opqtecc"   # optional: the scheme route it is written for (opqtecc, cqpt)
    -#}

Rendering runs in Jinja's sandbox with StrictUndefined and autoescape, so a
template can neither reach Python internals nor print a blank where a value
is missing: both are a TemplateError naming the template.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import threading
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from certcli.errors import NotFound, StateError, TemplateError, ValidationError
from certcli.letters import context as letter_context
from certcli.rules import paths

FORMATS = ("pdf", "html")
REMINDER = "rappel-renouvellement"  # recorded as the period's reminder (certcli.letters.reminders)
PDF_PART = 50  # letters laid out per WeasyPrint pass in a combined PDF
# From this many letters, a combined PDF is laid out on every core: below it,
# starting a worker (~0.5 s to load WeasyPrint) costs more than it saves.
PDF_PARALLEL_MIN = 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER = re.compile(r"\A\s*\{#-?\s*certcli\s*\n(.*?)-?#\}", re.S)
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
# What a missing variable usually means, so the error says what to record first.
_HINTS = {
    "request": "no request for complementary elements is recorded for this dossier",
    "interview": "no interview is scheduled for this dossier",
    "certificate": "no certificate is linked to this record",
    "invoice": "no invoice is linked to this record",
    "appeal": "no appeal is recorded for this dossier",
    "appeal_deadline": "the dossier has no recorded refusal",
    "refusal": "the dossier has no recorded refusal",
    "dues_months": "no dues invoice was issued with this dossier",
    "evaluator": "the dossier was not oriented to an evaluator",
    "session": "the dossier is on no session",
    "dossier": "this letter needs --dossier",
}


@dataclass
class TemplateInfo:
    name: str
    description: str
    needs: str | None
    source: str  # built-in | override
    path: Path
    requires: tuple[str, ...] = ()  # context values that must not be empty
    when: str | None = None  # a letter_context.CONDITIONS name
    workflow: str | None = None  # the scheme route it is written for (None: any)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "needs": self.needs,
            "source": self.source,
            "requires": list(self.requires),
            "when": self.when,
            "workflow": self.workflow,
            "path": str(self.path),
        }


@dataclass
class Letter:
    """One letter rendered to HTML, not yet written."""

    template: str
    html: str
    context: letter_context.LetterContext


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


# -- the catalog ------------------------------------------------------------------------------
def own_templates_dir(templates_dir: str | Path | None = None) -> Path | None:
    """The secretariat's folder: --templates, else CERTCLI_TEMPLATES, else none."""
    chosen = templates_dir or os.environ.get("CERTCLI_TEMPLATES") or None
    if chosen is None:
        return None
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise TemplateError(f"templates folder {folder} does not exist")
    return folder


def search_path(templates_dir: str | Path | None = None) -> tuple[Path, ...]:
    own = own_templates_dir(templates_dir)
    builtin = paths.builtin_templates_dir()
    return (own, builtin) if own is not None else (builtin,)


def _header(path: Path) -> dict:
    match = _HEADER.match(path.read_text(encoding="utf-8"))
    if not match:
        return {}
    try:
        return tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"template {path.stem!r}: bad certcli header ({exc})") from None


def catalog(templates_dir: str | Path | None = None) -> dict[str, TemplateInfo]:
    """Every letter template by name; files starting with '_' are building blocks."""
    folders = search_path(templates_dir)
    builtin = folders[-1]
    found: dict[str, TemplateInfo] = {}
    for folder in reversed(folders):  # built-in first, so an override replaces it
        for path in sorted(folder.glob("*.html")):
            name = path.stem
            if name.startswith("_") or not _NAME.match(name):
                continue
            meta = _header(path)
            inherited = found.get(name)
            needs = meta.get("needs", inherited.needs if inherited else None)
            if needs is not None and needs not in letter_context.RECORD_KINDS:
                raise TemplateError(
                    f"template {name!r}: needs must be one of "
                    f"{', '.join(letter_context.RECORD_KINDS)}, not {needs!r}"
                )
            when = meta.get("when", inherited.when if inherited else None) or None
            if when is not None and when not in letter_context.CONDITIONS:
                raise TemplateError(
                    f"template {name!r}: when must be one of "
                    f"{', '.join(letter_context.CONDITIONS)}, not {when!r}"
                )
            workflow = meta.get("workflow", inherited.workflow if inherited else None) or None
            if workflow is not None and workflow not in letter_context.WORKFLOWS:
                raise TemplateError(
                    f"template {name!r}: workflow must be one of "
                    f"{', '.join(letter_context.WORKFLOWS)}, not {workflow!r}"
                )
            found[name] = TemplateInfo(
                name=name,
                description=meta.get("description", inherited.description if inherited else ""),
                needs=needs,
                source="built-in" if folder == builtin else "override",
                path=path,
                requires=tuple(meta.get("requires", inherited.requires if inherited else ())),
                when=when,
                workflow=workflow,
            )
    return found


def find(name: str, templates_dir: str | Path | None = None) -> TemplateInfo:
    if not _NAME.match(name or ""):
        raise ValidationError(f"invalid template name {name!r} (lowercase letters, digits, '-')")
    templates = catalog(templates_dir)
    if name not in templates:
        raise NotFound(f"no letter template {name!r} (known: {', '.join(sorted(templates))})")
    return templates[name]


# -- rendering ----------------------------------------------------------------------------------
# A letter renders in milliseconds and weighs ~10 KB: a template past these bounds is
# a runaway (a 100,000 x 100,000 loop, 'x' * 10**9), stopped with an error rather than
# left to hang the desk or fill its memory.
TEMPLATE_SECONDS = 5
MAX_LETTER_CHARS = 2_000_000
MAX_POWER = 1_000  # n ** e with a larger integer e runs in C, where no limit reaches
_deadline = float("inf")  # time.monotonic() by which the current rendering must end


class _TookTooLong(Exception):
    pass


class _TooLarge(Exception):
    pass


def _check_time() -> None:
    if time.monotonic() > _deadline:
        raise _TookTooLong


@cache
def _environment_class():
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class LetterEnvironment(SandboxedEnvironment):
        """Jinja's sandbox (no Python internals, ranges of 100,000 at most) with the
        clock checked at every call and the size of what `*` and `**` build bounded."""

        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
                raise SecurityError(f"exponent {right} is too large (at most {MAX_POWER})")
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if (
                        isinstance(seq, str | list | tuple)
                        and isinstance(times, int)
                        and len(seq) * times > MAX_LETTER_CHARS
                    ):
                        raise SecurityError(
                            f"a sequence repeated beyond {MAX_LETTER_CHARS:,} items"
                        )
            return super().call_binop(context, operator, left, right)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's names)
            _check_time()
            return super().call(__context, __obj, *args, **kwargs)

    return LetterEnvironment


@cache
def environment(folders: tuple[Path, ...]):
    """One sandboxed environment per search path; Jinja caches compiled templates in it."""
    from jinja2 import FileSystemLoader, StrictUndefined

    from certcli.letters import filters

    env = _environment_class()(
        loader=FileSystemLoader([str(f) for f in folders]),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.register(env)
    return env


@contextmanager
def _time_limit(seconds: float):
    """The rendering's deadline, checked by the sandbox's calls and between output
    pieces; in the main thread an interval timer also interrupts a loop that calls
    nothing and prints nothing."""
    global _deadline
    _deadline = time.monotonic() + seconds
    timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if timer:

        def expired(signum, frame):
            raise _TookTooLong

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _deadline = float("inf")
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _template_error(name: str, exc: Exception) -> TemplateError:
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    if isinstance(exc, SecurityError):
        return TemplateError(f"template {name!r}: refused by the sandbox ({exc})")
    if isinstance(exc, UndefinedError):
        message = str(exc)
        variable = re.search(r"'([^']+)' is undefined", message)
        hint = _HINTS.get(variable.group(1)) if variable else None
        return TemplateError(f"template {name!r}: {message}" + (f" ({hint})" if hint else ""))
    if isinstance(exc, TemplateSyntaxError):
        where = f"{exc.name or name}, line {exc.lineno}"
        return TemplateError(f"template {name!r}: syntax error in {where}: {exc.message}")
    if isinstance(exc, TemplateNotFound):
        return TemplateError(f"template {name!r}: it uses {exc.name!r}, which does not exist")
    return TemplateError(f"template {name!r}: {type(exc).__name__}: {exc}")


def render_html(env, name: str, variables: dict, *, max_chars: int = MAX_LETTER_CHARS) -> str:
    """Render one template within TEMPLATE_SECONDS and `max_chars`; every Jinja
    failure becomes a TemplateError naming it."""
    from jinja2 import TemplateError as JinjaError

    try:
        with _time_limit(TEMPLATE_SECONDS):
            pieces, size = [], 0
            for count, piece in enumerate(env.get_template(f"{name}.html").generate(variables)):
                size += len(piece)
                if size > max_chars:
                    raise _TooLarge
                if not count % 256:
                    _check_time()
                pieces.append(piece)
            return "".join(pieces)
    except _TookTooLong:
        raise TemplateError(
            f"template {name!r} took longer than {TEMPLATE_SECONDS} s to "
            "render: look for a runaway loop in it"
        ) from None
    except _TooLarge:
        raise TemplateError(
            f"template {name!r} renders more than {max_chars:,} characters: "
            "look for a runaway loop in it"
        ) from None
    except JinjaError as exc:
        raise _template_error(name, exc) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise _template_error(name, exc) from None


def compose(
    store,
    template: str,
    *,
    date: dt.date,
    dossier: str | None = None,
    certificate: str | None = None,
    candidate: int | None = None,
    invoice: str | None = None,
    templates_dir: str | Path | None = None,
    context: letter_context.LetterContext | None = None,
    info: TemplateInfo | None = None,
) -> Letter:
    """Build the context of the record and render the template (no file yet); a
    batch passes the `info` it found once (the catalog reads every template file)."""
    info = info or find(template, templates_dir)
    if context is None:
        context = letter_context.build(
            store,
            date=date,
            dossier=dossier,
            certificate=certificate,
            candidate=candidate,
            invoice=invoice,
        )
    if info.needs not in (None, "candidate", context.kind):
        raise ValidationError(f"template {template!r} is about a {info.needs}: use --{info.needs}")
    letter_context.check_workflow(info.name, info.workflow, context)
    letter_context.check_condition(info.name, info.when, context)
    letter_context.check_invoice_date(info.name, info.when, context)
    letter_context.check_address(context)
    for key in info.requires:
        if not context.data.get(key):
            raise TemplateError(
                f"template {template!r}: nothing to send, '{key}' is empty for "
                f"{context.kind} {context.ref}"
            )
    env = environment(search_path(templates_dir))
    variables = {**context.data, "template": info.name}
    return Letter(info.name, render_html(env, info.name, variables), context)


def _title(letters: list[Letter]) -> str:
    return letters[0].template if len(letters) == 1 else f"{len(letters)} lettres"


def document(letters: list[Letter], templates_dir: str | Path | None = None) -> str:
    """One HTML document holding one or many letters (one A4 sheet each at least)."""
    from markupsafe import Markup

    env = environment(search_path(templates_dir))
    body = Markup("".join(letter.html for letter in letters))
    return render_html(
        env,
        "_document",
        {"body": body, "title": _title(letters)},
        max_chars=len(body) + MAX_LETTER_CHARS,
    )


def write(
    letters: list[Letter], path: Path, fmt: str, templates_dir: str | Path | None = None
) -> Path:
    if fmt not in FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
    if fmt == "html":
        try:
            path.write_text(document(letters, templates_dir), encoding="utf-8")
        except OSError as exc:
            raise TemplateError(f"cannot write {path}: {exc.strerror}") from None
        return path
    from certcli.letters import pdf

    parts = [
        document(letters[i : i + PDF_PART], templates_dir) for i in range(0, len(letters), PDF_PART)
    ]
    workers = pdf.cores() if len(letters) >= PDF_PARALLEL_MIN else 1
    folders = search_path(templates_dir)
    try:
        return pdf.write_pdf(
            parts,
            path,
            base_url=str(folders[0]),
            title=_title(letters),
            workers=workers,
            allowed=(*folders, paths.data_dir()),
        )
    except pdf.AttachmentRefused as exc:
        names = ", ".join(sorted({letter.template for letter in letters}))
        raise TemplateError(f"template {names!r}: {exc}") from None


# -- file names -------------------------------------------------------------------------------
def safe_name(*parts: str) -> str:
    """A file name made of references only: [A-Za-z0-9._-], no leading dot, no '..'."""
    name = "_".join(_UNSAFE_CHARS.sub("-", str(part)) for part in parts)
    name = re.sub(r"\.{2,}", ".", name).lstrip(".-") or "lettre"
    return name[:150]


def output_path(store, out_dir: Path, stem: str, fmt: str) -> Path:
    """`out_dir/stem.fmt`, checked to stay inside out_dir; a name already logged for
    another letter gets -2, -3... so a posted letter's file is never overwritten."""
    root = Path(out_dir).resolve()
    stem = safe_name(stem)
    for n in range(1, 10_000):
        candidate = (root / f"{stem}{'' if n == 1 else f'-{n}'}.{fmt}").resolve()
        if candidate.parent != root:
            raise ValidationError(f"refusing to write outside {root}: {candidate}")
        if store.letter_at_path(str(candidate)) is None:
            return candidate
    raise ValidationError(f"too many letters named {stem} in {root}")


def prepare_out_dir(out_dir: str | Path) -> Path:
    """The letters' folder, created 0700 if missing (letters hold personal data)."""
    from certcli.store import files as safe_files

    folder = Path(out_dir)
    try:
        safe_files.ensure_dir(folder)
        if not folder.is_dir():
            raise NotADirectoryError(20, "Not a directory")
        _sweep_once(folder.resolve())
    except OSError as exc:
        raise ValidationError(f"cannot create the output folder {folder}: {exc.strerror}") from None
    return folder


@cache
def _sweep_once(folder: Path) -> None:
    """Part files a killed run left in a letters folder, removed once per run (reading
    the folder for each of a batch's letters would cost n² for n letters)."""
    from certcli.store import files as safe_files

    safe_files.remove_stale_parts_in(folder)


# -- the log ------------------------------------------------------------------------------------
def record(store, letter: Letter, path: Path, fmt: str, date: dt.date) -> int:
    """Log one rendered letter (call inside store.transaction())."""
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


def render(
    store,
    template: str,
    *,
    date: dt.date,
    dossier: str | None = None,
    certificate: str | None = None,
    candidate: int | None = None,
    invoice: str | None = None,
    fmt: str = "pdf",
    out_dir: str | Path = "letters",
    templates_dir: str | Path | None = None,
    dry_run: bool = False,
) -> RenderedLetter:
    """Render one letter to a file in out_dir and, unless dry_run, log it. The file
    takes its name once the letter is logged (a refusal at that point, a reminder
    sent meanwhile by another run, removes it); a run killed while writing leaves
    neither file nor log, there being no step to lose.

    The domain entry point for other commands (`dossier check --letter`,
    `commission decide --letter`).
    """
    if fmt not in FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
    letter = compose(
        store,
        template,
        date=date,
        dossier=dossier,
        certificate=certificate,
        candidate=candidate,
        invoice=invoice,
        templates_dir=templates_dir,
    )
    # A renewal reminder sent by hand is the period's reminder, as if `renewals
    # remind` had sent it: recorded with the letter, and never sent twice.
    is_reminder = letter.template == REMINDER and letter.context.kind == "certificate"
    ctx = letter.context
    ids = {"candidate_id": ctx.candidate_id, "ref": ctx.ref}
    if is_reminder:
        from certcli.letters import reminders as renewals

        renewals.check_remindable(store, letter.context, recorded=not dry_run)
    if dry_run:
        path = render_unlogged(store, [letter], prepare_out_dir(out_dir), fmt, date, templates_dir)
        return RenderedLetter(letter.template, path, fmt, False, None, ids)
    path = output_path(store, prepare_out_dir(out_dir), _stem(letter, date), fmt)
    with _file(store, path) as tmp:
        write([letter], tmp, fmt, templates_dir)
        with store.transaction():
            if store.letter_at_path(str(path)) is not None:
                raise TemplateError(f"another run wrote {path} meanwhile: run this again")
            if is_reminder:
                letter_id = renewals.record(store, letter, path, fmt, date)
            else:
                letter_id = record(store, letter, path, fmt, date)
    return RenderedLetter(letter.template, path, fmt, True, letter_id, ids)


# -- pending letters ----------------------------------------------------------------------------
# A letter is asked for in the transaction of its step (a decision, a reminder) and
# rendered after the commit, as pretix renders an invoice's PDF after its
# transaction: the PDF takes a second or more, far too long to hold the write lock,
# and a rendering that fails (or a run killed meanwhile) must not undo the step. The
# pending row is what makes the letter survive the kill: `letters render --pending`,
# or the next command that renders letters, completes it, once.
def ask(
    store,
    letter: Letter,
    *,
    date: dt.date,
    fmt: str,
    out_dir: str | Path,
    templates_dir: str | Path | None = None,
    reminder_id: int | None = None,
) -> int:
    """Record `letter` as pending (call inside the step's transaction); its id."""
    if fmt not in FORMATS:
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
            "asked_by": store.actor,
            "asked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )


class _Taken(Exception):
    """Another run completed the letter (or took its file name) meanwhile."""


def _stem(letter: Letter, date: dt.date) -> str:
    return f"{date.isoformat()}_{letter.template}_{letter.context.ref}"


@contextmanager
def _file(store, path: Path):
    """A private part file renamed to `path` when the block succeeds (output_path
    chose a name no logged letter has: an unlogged file there, a dry run's, is
    replaced), never written over the database."""
    from certcli.store import files as safe_files

    with safe_files.temporary(path, force=True, protect=store.path, sweep=False) as tmp:
        yield tmp


def render_unlogged(
    store,
    composed: list[Letter],
    folder: Path,
    fmt: str,
    date: dt.date,
    templates_dir: str | Path | None = None,
    *,
    stem: str | None = None,
) -> Path:
    """A dry run's file: written like a letter's, logged nowhere."""
    path = output_path(store, folder, stem or _stem(composed[0], date), fmt)
    with _file(store, path) as tmp:
        write(composed, tmp, fmt, templates_dir)
    return path


def _compose_pending(store, row) -> Letter:
    return compose(
        store,
        row["template"],
        date=dt.date.fromisoformat(row["date"]),
        templates_dir=row["templates_dir"],
        **{row["record"]: row["ref"]},
    )


def complete(
    store, pending_ids: list[int], composed: list[Letter] | None = None, *, stem: str | None = None
) -> list[RenderedLetter] | None:
    """Render pending letters into one file (one letter unless a batch gives `stem`),
    then log them and mark them done in one transaction; the file takes its name
    after that commit, so a letter file exists only for a logged letter. None
    when another run completed one of them meanwhile: this run's file is removed."""
    rows = [store.pending_letter(i) for i in pending_ids]
    if any(row is None or row["letter_id"] for row in rows):
        return None
    if composed is None:
        composed = [_compose_pending(store, row) for row in rows]
    first = rows[0]
    fmt, date = first["format"], dt.date.fromisoformat(first["date"])
    folder = prepare_out_dir(first["out_dir"])
    path = output_path(store, folder, stem or _stem(composed[0], date), fmt)
    done = []
    try:
        with _file(store, path) as tmp:
            write(composed, tmp, fmt, first["templates_dir"])
            with store.transaction():
                if store.letter_at_path(str(path)) is not None:
                    raise _Taken
                for row, letter in zip(rows, composed, strict=True):
                    if store.pending_letter(row["id"])["letter_id"]:
                        raise _Taken
                    letter_id = record(store, letter, path, fmt, dt.date.fromisoformat(row["date"]))
                    store.update("pending_letters", row["id"], {"letter_id": letter_id})
                    if row["reminder_id"]:
                        store.update("reminders", row["reminder_id"], {"letter_id": letter_id})
                    ctx = letter.context
                    done.append(
                        RenderedLetter(
                            letter.template,
                            path,
                            fmt,
                            True,
                            letter_id,
                            {"candidate_id": ctx.candidate_id, "ref": ctx.ref},
                        )
                    )
    except _Taken:
        if all(store.pending_letter(i)["letter_id"] for i in pending_ids):
            return None
        # a batch partly completed elsewhere, or a name taken by a concurrent run:
        # the rest, one by one
        return [r for i in pending_ids for r in (complete(store, [i]) or [])] or None
    return done


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


def complete_pending(store) -> list[PendingOutcome]:
    """Render every pending letter, each once; one that fails stays pending with its
    error (the others go on)."""
    from certcli.errors import CertcliError

    outcomes = []
    for row in store.pending_letters():
        outcome = PendingOutcome(row["id"], row["template"], row["record"], row["ref"])
        try:
            done = complete(store, [row["id"]])
        except CertcliError as exc:
            outcome.error = str(exc)
        else:
            if done is None:
                continue  # another run did it meanwhile
            outcome.path = done[0].path
        outcomes.append(outcome)
    return outcomes


def pending(store) -> list[dict]:
    """The letters asked for and not rendered yet (`letters pending` JSON keys)."""
    return [
        {
            "id": r["id"],
            "template": r["template"],
            "record": r["record"],
            "ref": r["ref"],
            "candidate_id": r["candidate_id"],
            "date": r["date"],
            "format": r["format"],
            "out": r["out_dir"],
            "templates": r["templates_dir"],
            "reminder": r["reminder_id"] is not None,
            "asked_at": r["asked_at"],
            "asked_by": r["asked_by"],
        }
        for r in store.pending_letters()
    ]


def log(store, *, candidate_id: int | None = None, dossier: str | None = None) -> list[dict]:
    """The letters sent, oldest first (`letters log` JSON keys)."""
    dossier_id = None
    if dossier is not None:
        row = store.dossier(dossier.strip())
        if row is None:
            raise NotFound(f"no dossier {dossier!r}")
        dossier_id = row["id"]
    return [
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
        }
        for r in store.letters_log(candidate_id=candidate_id, dossier_id=dossier_id)
    ]


MAX_REGISTERED = 40  # a registered letter's number (e.g. "1A 123 456 7890 1")


def notified(store, letter_id: int, *, date: dt.date, registered: str | None = None) -> dict:
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
