"""SQL for certificates (filled in by the certificates work)."""

from __future__ import annotations


class CertificatesQueries:
    pass
