"""SQL for invoices (filled in by the invoices work)."""

from __future__ import annotations


class InvoicesQueries:
    pass
