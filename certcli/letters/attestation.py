"""What an attestation of certification prints besides the certificate: the
verification code of its validity period and the QR code that carries it.

Built on first use (a template that never reads `certificate.verification`
costs nothing: no key read, no segno imported).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from certcli.store import Store


class Verification:
    """`certificate.verification` in a letter: `code`, `qr` (a PNG data URI),
    `text` (what the QR code encodes) and `url` (None when the body file sets no
    `verify_url`)."""

    def __init__(self, store: Store, number: str, start, end, verify_url: str | None):
        self._store, self._number = store, number
        self._start = start.isoformat() if start else None
        self._end = end.isoformat() if end else None
        self._verify_url = verify_url

    @cached_property
    def code(self) -> str:
        from certcli.domain import verification

        if self._start is None:
            from certcli.errors import StateError

            raise StateError(f"certificate {self._number} has no validity period to attest")
        key = verification.load_key(self._store)
        return verification.code(key, self._number, self._start, self._end)

    @cached_property
    def url(self) -> str | None:
        if not self._verify_url:
            return None
        return f"{self._verify_url}?{urlencode({'n': self._number, 'c': self.code})}"

    @cached_property
    def text(self) -> str:
        return self.url or f"{self._number} {self.code}"

    @cached_property
    def qr(self) -> str:
        import segno

        return segno.make(self.text, error="m").png_data_uri(scale=5, border=2)
