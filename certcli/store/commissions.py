"""SQL for commissions (filled in by the commissions work)."""

from __future__ import annotations


class CommissionsQueries:
    pass
