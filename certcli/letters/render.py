"""Letters rendered: sandboxed Jinja to HTML, then to a file (HTML or PDF).

Rendering runs in Jinja's sandbox with StrictUndefined and autoescape, so a
template can neither reach Python internals nor print a blank where a value
is missing: both are a TemplateError naming the template. A letter's file is
written privately and takes its name only when the block writing it succeeds
(certcli.store.files); what is logged is certcli.letters.log's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Set
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import TemplateError, ValidationError
from certcli.letters import catalog, conditions, invoice_check
from certcli.letters.context import LetterContext, build
from certcli.records import dataclass
from certcli.rules import paths

if TYPE_CHECKING:
    from certcli.store import Store


FORMATS = ("pdf", "html")
PDF_PART = 50  # letters laid out per WeasyPrint pass in a combined PDF
# From this many letters, a combined PDF is laid out on every core. Below it, one
# process lays it out: workers cost CPU time of their own (~14 % more at 1,000
# letters: each embeds the fonts, then pypdf joins their files) and on two shared
# cores gain little wall time, so a batch of 100 letters took 1.47x a bare
# WeasyPrint run with two workers and 0.9x without (benchmarks/bench_letters.py).
PDF_PARALLEL_MIN = 500
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
class Letter:
    """One letter rendered to HTML, not yet written."""

    template: str
    html: str
    context: LetterContext


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
            # Raised inside a finalizer (WeasyPrint's objects freed by the garbage
            # collector), the exception would be swallowed there and the loop go on:
            # try again as soon as the finalizer has returned.
            while frame is not None:
                if frame.f_code.co_name == "__del__":
                    signal.setitimer(signal.ITIMER_REAL, 0.01)
                    return
                frame = frame.f_back
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
    store: Store,
    template: str,
    *,
    date: dt.date,
    dossier: str | None = None,
    certificate: str | None = None,
    candidate: int | None = None,
    invoice: str | None = None,
    templates_dir: str | Path | None = None,
    context: LetterContext | None = None,
    info: catalog.TemplateInfo | None = None,
) -> Letter:
    """Build the context of the record and render the template (no file yet); a
    batch passes the `info` it found once (the catalog reads every template file)."""
    info = info or catalog.find(template, templates_dir)
    if context is None:
        context = build(
            store,
            date=date,
            dossier=dossier,
            certificate=certificate,
            candidate=candidate,
            invoice=invoice,
        )
    if info.needs == "session":
        raise ValidationError(
            f"template {template!r} is a commission session's paper: print it with "
            "`certcli commission papers ID` or `certcli commission minutes ID`"
        )
    if info.needs not in (None, "candidate", context.kind):
        raise ValidationError(f"template {template!r} is about a {info.needs}: use --{info.needs}")
    conditions.check_workflow(info.name, info.workflow, context)
    conditions.check_condition(info.name, info.when, context)
    conditions.check_invoice_date(info.name, info.when, context)
    conditions.check_address(context)
    for key in info.requires:
        if not context.data.get(key):
            raise TemplateError(
                f"template {template!r}: nothing to send, '{key}' is empty for "
                f"{context.kind} {context.ref}"
            )
    env = environment(catalog.search_path(templates_dir))
    variables = {**context.data, "template": info.name}
    page = render_html(env, info.name, variables)
    if info.name in invoice_check.INVOICE_TEMPLATES and "document" in context.data:
        invoice_check.check(info.name, context.data["document"], page)
    return Letter(info.name, page, context)


def _title(letters: list[Letter]) -> str:
    return letters[0].template if len(letters) == 1 else f"{len(letters)} lettres"


def document(letters: list[Letter], templates_dir: str | Path | None = None) -> str:
    """One HTML document holding one or many letters (one A4 sheet each at least)."""
    from markupsafe import Markup

    env = environment(catalog.search_path(templates_dir))
    body = Markup("".join(letter.html for letter in letters))
    return render_html(
        env,
        "_document",
        {"body": body, "title": _title(letters)},
        max_chars=len(body) + MAX_LETTER_CHARS,
    )


def write(
    letters: list[Letter],
    path: Path,
    fmt: str,
    templates_dir: str | Path | None = None,
    *,
    fd: int | None = None,
) -> Path:
    """The letters' file at `path`; an HTML one, given `fd`, through that descriptor
    (the part file just created at `path`) rather than opened again."""
    if fmt not in FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
    if fmt == "html":
        try:
            if fd is None:
                path.write_text(document(letters, templates_dir), encoding="utf-8")
            else:
                from certcli.store import files

                files.write_all(fd, document(letters, templates_dir).encode("utf-8"))
        except OSError as exc:
            raise TemplateError(f"cannot write {path}: {exc.strerror}") from None
        return path
    from certcli.letters import pdf

    parts = [
        document(letters[i : i + PDF_PART], templates_dir) for i in range(0, len(letters), PDF_PART)
    ]
    workers = pdf.cores() if len(letters) >= PDF_PARALLEL_MIN else 1
    folders = catalog.search_path(templates_dir)
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


def output_path(
    store: Store, out_dir: Path, stem: str, fmt: str, *, taken: Set[str] = frozenset()
) -> Path:
    """`out_dir/stem.fmt`, checked to stay inside out_dir; a name already logged for
    another letter (or in `taken`: chosen for a letter of the same lot, not logged
    yet) gets -2, -3... so a posted letter's file is never overwritten."""
    return free_name(store, Path(out_dir).resolve(), stem, fmt, taken=taken)


def free_name(
    store: Store, root: Path, stem: str, fmt: str, *, taken: Set[str] = frozenset()
) -> Path:
    """output_path in the folder `root`, already resolved (a lot resolves its folder
    once, not once a letter)."""
    stem = safe_name(stem)
    for n in range(1, 10_000):
        candidate = root / f"{stem}{'' if n == 1 else f'-{n}'}.{fmt}"
        if os.path.islink(candidate):
            # In a resolved folder, a safe name resolves to itself unless it is a link.
            candidate = candidate.resolve()
        if candidate.parent != root:
            raise ValidationError(f"refusing to write outside {root}: {candidate}")
        if str(candidate) not in taken and store.letter_at_path(str(candidate)) is None:
            return candidate
    raise ValidationError(f"too many letters named {stem} in {root}")


def prepare_out_dir(out_dir: str | Path, store: Store | None = None) -> Path:
    """The letters' folder, created 0700 if missing (letters hold personal data).
    Given the `store`, the first look at a folder in a run also finishes what a
    killed run left: a part file of a letter it logged takes its name."""
    from certcli.store import files

    folder = Path(out_dir)
    try:
        files.ensure_dir(folder)
        if not folder.is_dir():
            raise NotADirectoryError(20, "Not a directory")
        _sweep_once(folder.resolve(), store)
    except OSError as exc:
        raise ValidationError(f"cannot create the output folder {folder}: {exc.strerror}") from None
    return folder


_swept: set[Path] = set()


def _sweep_once(folder: Path, store: Store | None) -> None:
    """Part files a killed run left in a letters folder, removed (or, those of its
    logged letters, renamed into place) once per run: reading the folder for each of
    a batch's letters would cost n² for n letters."""
    from certcli.store import files

    if folder in _swept:
        return
    _swept.add(folder)

    def logged(target: Path) -> bool:
        return store is not None and store.letter_at_path(str(target)) is not None

    files.remove_stale_parts(folder, restore=logged if store is not None else None)


def file_stem(letter: Letter, date: dt.date) -> str:
    return f"{date.isoformat()}_{letter.template}_{letter.context.ref}"


@contextmanager
def letter_file(store: Store, path: Path, fill: Callable[[int], object] | None = None):
    """A private part file renamed to `path` when the block succeeds (output_path
    chose a name no logged letter has: an unlogged file there, a dry run's, is
    replaced), never written over the database; `fill(fd)` writes it as it is
    made (files.temporary)."""
    from certcli.store import files

    with files.temporary(path, force=True, protect=store.path, sweep=False, fill=fill) as tmp:
        yield tmp


def render_unlogged(
    store: Store,
    composed: list[Letter],
    folder: Path,
    fmt: str,
    date: dt.date,
    templates_dir: str | Path | None = None,
    *,
    stem: str | None = None,
) -> Path:
    """A dry run's file: written like a letter's, logged nowhere."""
    path = output_path(store, folder, stem or file_stem(composed[0], date), fmt)
    with letter_file(store, path) as tmp:
        write(composed, tmp, fmt, templates_dir)
    return path
