"""cqpt: not built yet."""

from __future__ import annotations


def dossier_details(store, dossier) -> dict:
    """What `dossier show` adds for this stage (JSON keys)."""
    return {}
