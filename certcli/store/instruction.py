"""SQL for instruction (filled in by the instruction work)."""

from __future__ import annotations


class InstructionQueries:
    pass
