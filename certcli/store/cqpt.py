"""SQL for cqpt (filled in by the cqpt work)."""

from __future__ import annotations


class CqptQueries:
    pass
