"""SQL for letters (filled in by the letters work)."""

from __future__ import annotations


class LettersQueries:
    pass
