"""HTML to PDF through WeasyPrint, imported here only (it loads Pango at import).

A machine without Pango gets a CertcliError naming the Debian packages to
install and the way around it (`--format html`), never a traceback.
"""

from __future__ import annotations

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


def write_pdf(html: str, path: Path, *, base_url: str | None = None) -> Path:
    """Lay out one HTML document (one or many letters, A4) and write it as a PDF."""
    weasyprint = _weasyprint()
    try:
        weasyprint.HTML(string=html, base_url=base_url).write_pdf(str(path))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise CertcliError(f"cannot write {path}: {exc.strerror}") from None
        raise CertcliError(f"WeasyPrint failed ({exc}); {INSTALL_HINT}") from None
    return path
