"""HTML to PDF through WeasyPrint, imported here only (it loads Pango at import).

A machine without Pango gets a CertcliError naming the Debian packages to
install and the way around it (`--format html`), never a traceback.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from certcli.errors import CertcliError

INSTALL_HINT = ("install its system libraries (Debian/Ubuntu: apt-get install "
                "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) or use --format html")


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise CertcliError(f"WeasyPrint cannot load ({exc}); {INSTALL_HINT}") from None
    return weasyprint


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


def write_pdf(html: str | list[str], path: Path, *, base_url: str | None = None) -> Path:
    """Lay out one HTML document, or several whose pages follow each other in one
    file (a long batch is laid out in parts: WeasyPrint slows down on very long
    documents), and write the PDF."""
    weasyprint = _weasyprint()
    parts = [html] if isinstance(html, str) else html
    try:
        with _no_gc():
            documents = [weasyprint.HTML(string=part, base_url=base_url).render()
                         for part in parts]
            first = documents[0]
            if len(documents) > 1:
                first = first.copy([page for doc in documents for page in doc.pages])
            first.write_pdf(str(path))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise CertcliError(f"cannot write {path}: {exc.strerror}") from None
        raise CertcliError(f"WeasyPrint failed ({exc}); {INSTALL_HINT}") from None
    return path
