"""HTML to PDF through WeasyPrint, imported here only (it loads Pango at import).

A machine without Pango gets a CertcliError naming the Debian packages to
install and the way around it (`--format html`), never a traceback.

A template is the secretariat's to edit, so it is not trusted: WeasyPrint fetches
nothing but files under the allowed folders (the templates folders and the data
folder: fonts, images, CSS), never another file, never the network, and a PDF
carries no attachment (`<link rel="attachment">`, `<a rel="attachment">`): that
would embed any local file, the database included, in a posted letter.

A long batch can be laid out on several cores: WeasyPrint's layout is pure
Python (~13 ms a page, ~4 ms more to write it) and holds the GIL, so only
processes help. Each worker (forked after WeasyPrint is loaded, where the system
can fork) lays out a contiguous run of the parts and writes it as one PDF; the
runs are then concatenated in order with pypdf.
"""

from __future__ import annotations

import gc
import os
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from certcli.errors import CertcliError

INSTALL_HINT = (
    "install its system libraries (Debian/Ubuntu: apt-get install "
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) or use --format html"
)


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise CertcliError(f"WeasyPrint cannot load ({exc}); {INSTALL_HINT}") from None
    return weasyprint


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@contextmanager
def _no_gc():
    # A laid-out document is a large graph of small objects that lives until it is
    # written; the cyclic collector rescanning it costs ~20% of the layout time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The font configurations of a `shared_fonts` block, one per set of allowed folders;
# None outside such a block.
_shared: dict[tuple[str, ...], Any] | None = None


@contextmanager
def shared_fonts():
    """Within this block, the PDFs written share one WeasyPrint font configuration
    (per set of allowed folders, as its @font-face files were fetched through them):
    Fontconfig loads its configuration and fonts once, ~13 ms, instead of once a
    file, and Pango's layouts cached for one letter serve the next. For a batch of
    separate letters; a file written outside such a block has its own."""
    global _shared
    if _shared is not None:
        yield
        return
    _shared = {}
    try:
        yield
    finally:
        _shared = None  # freed: their temporary @font-face folders removed


def _font_config(allowed: tuple[str, ...]):
    from weasyprint.text.fonts import FontConfiguration

    if _shared is None:
        return FontConfiguration()
    if allowed not in _shared:
        _shared[allowed] = FontConfiguration()
    return _shared[allowed]


class AttachmentRefused(CertcliError):
    """The HTML asks for a file attached to the PDF."""


def _fetcher(allowed: tuple[str, ...]):
    """A WeasyPrint URL fetcher that serves files under `allowed` only (symlinks
    resolved first, so a link out of a templates folder leads nowhere) and inline
    `data:` URLs; anything else is refused, which WeasyPrint reports as a missing
    resource and leaves out."""
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    # WeasyPrint ships no type information: its fetcher class is Any to mypy.
    url_fetcher: Any = _weasyprint().URLFetcher
    roots = tuple(Path(folder).resolve() for folder in allowed)

    class FolderFetcher(url_fetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"certcli fetches no URL for a letter: {url}")
            target = Path(url2pathname(unquote(parts.path))).resolve()
            if not any(target.is_relative_to(root) for root in roots) or not target.is_file():
                raise ValueError(
                    f"certcli serves a letter only files of its templates "
                    f"and data folders, not {target}"
                )
            return super().fetch(target.as_uri(), headers)

    return FolderFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def write_pdf(
    html: str | list[str],
    path: Path,
    *,
    base_url: str | None = None,
    title: str | None = None,
    workers: int = 1,
    allowed: tuple[str | Path, ...] = (),
) -> Path:
    """Lay out one HTML document, or several whose pages follow each other in one
    file (a long batch is laid out in parts: WeasyPrint slows down on very long
    documents), and write the PDF; with workers > 1 the parts are shared among
    that many processes. Only files under the `allowed` folders are read."""
    parts = [html] if isinstance(html, str) else list(html)
    workers = max(1, min(workers, len(parts)))
    folders = tuple(str(folder) for folder in allowed)
    try:
        if workers == 1:
            _render(parts, str(path), base_url, title, folders)
        else:
            _render_in_parallel(parts, Path(path), base_url, title, workers, folders)
    except OSError as exc:
        if exc.errno is not None:
            # The system refused the file (a full disk, an I/O error, a missing or
            # forbidden folder): Pango is not the cause, so no advice to install it.
            raise CertcliError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise CertcliError(f"WeasyPrint failed ({exc}); {INSTALL_HINT}") from None
    return path


def _render(
    parts: list[str], target: str, base_url: str | None, title: str | None, allowed: tuple[str, ...]
) -> None:
    weasyprint = _weasyprint()
    fetcher = _fetcher(allowed)
    fonts = _font_config(allowed)  # one for the parts of a file at least
    with _no_gc():
        documents = [
            weasyprint.HTML(string=part, base_url=base_url, url_fetcher=fetcher).render(
                font_config=fonts
            )
            for part in parts
        ]
        for document in documents:
            _refuse_attachments(document)
        first = documents[0]
        if len(documents) > 1:
            first = first.copy([page for doc in documents for page in doc.pages])
        if title is not None:
            first.metadata.title = title
        first.write_pdf(target)


def _refuse_attachments(document) -> None:
    """certcli attaches nothing to a letter: a template asking for it is refused
    before any file is written (WeasyPrint would fetch the file at write time)."""
    asked = [a for a in document.metadata.attachments]
    asked += [link for page in document.pages for link in page.links if link[0] == "attachment"]
    if asked:
        raise AttachmentRefused(
            "a template asks for a file attached to the PDF "
            '(rel="attachment"): certcli attaches nothing to a letter; '
            "remove it from the template"
        )


def _worker(
    parts: list[str], target: str, base_url: str | None, allowed: tuple[str, ...], done
) -> None:
    # Ctrl-C is the parent's to handle (it terminates the workers); a worker would
    # only print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _render(parts, target, base_url, None, allowed)
    except Exception as exc:  # handed to the parent, which raises it
        done.send(exc)
    else:
        done.send(None)


def _start_method() -> str:
    """'fork' where the system has it and this process runs no other thread: a
    forked worker starts with WeasyPrint (and Pango, and its fonts) already loaded,
    where a spawned one spends ~0.5 s of CPU importing them again. A forked worker
    only lays out HTML strings and writes its own file: it never touches the
    parent's database connection (it ends with os._exit, so not even its finalizer
    runs). With another thread running, 'spawn': a lock that thread held at the fork
    would stay locked forever in the child (the CLI's progress bar has no thread
    for that reason). Plain processes,
    not a Pool or an executor: a worker that dies is an error here (a Pool would start
    it again forever), and an error or Ctrl-C in the parent terminates the others at
    once instead of waiting for their runs."""
    import multiprocessing
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _render_in_parallel(
    parts: list[str],
    path: Path,
    base_url: str | None,
    title: str | None,
    workers: int,
    allowed: tuple[str, ...],
) -> None:
    import multiprocessing

    # Contiguous runs, so the merged file keeps the letters' order and embeds the
    # fonts once per run only.
    size = -(-len(parts) // workers)
    runs = [parts[i : i + size] for i in range(0, len(parts), size)]
    forked = _start_method() == "fork"
    context = (
        multiprocessing.get_context("fork") if forked else multiprocessing.get_context("spawn")
    )
    if forked:
        _weasyprint()  # imported once, here: every forked worker has it loaded
    with tempfile.TemporaryDirectory(prefix="certcli-pdf-") as tmp:
        targets = [str(Path(tmp) / f"{i:03d}.pdf") for i in range(len(runs))]
        started = []
        try:
            for run, target in zip(runs, targets, strict=True):
                receive, send = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker, daemon=True, args=(run, target, base_url, allowed, send)
                )
                process.start()
                send.close()  # so that receive sees EOF if the worker dies
                started.append((process, receive))
            from pypdf import PdfWriter  # loads while the workers lay out

            for process, receive in started:
                try:
                    failure = receive.recv()
                except EOFError:
                    process.join()
                    raise CertcliError(
                        f"a PDF worker stopped (exit code {process.exitcode})"
                    ) from None
                if failure is not None:
                    raise failure
                process.join()
        finally:
            for process, receive in started:
                receive.close()
                if process.is_alive():
                    process.terminate()
                    process.join()
        merged = PdfWriter()
        for target in targets:
            merged.append(target)
        if title is not None:
            merged.add_metadata({"/Title": title})
        merged.write(str(path))
