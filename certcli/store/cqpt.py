"""SQL for the CQPT route: evaluators, the evaluation phases, transmission to a
CPNE session and the funding report.

Method names carry a `cqpt_`/`evaluator` prefix: the Store is one mixin of every
area. Sessions and agendas belong to the commissions area: transmission uses its
`session` and `next_agenda_position`.
"""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore


class CqptQueries(BaseStore):
    # -- evaluator organisations ----------------------------------------------------
    def evaluator(self, evaluator_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM evaluators WHERE id = ?", (evaluator_id,))

    def evaluators(self) -> list[sqlite3.Row]:
        return self.all(*self.evaluators_sql())

    def evaluators_sql(self) -> tuple[str, list]:
        """The evaluator organisations by name: the SELECT and its parameters, shared by
        `evaluator list`'s page, its count and --all."""
        return "SELECT * FROM evaluators ORDER BY name COLLATE NOCASE, id", []

    def evaluator_by_name(self, name: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM evaluators WHERE lower(name) = lower(?)", (name,))

    # -- evaluation phases (prediag, proof, quiz, situation) ------------------------
    def cqpt_phases(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM cqpt_phases WHERE dossier_id = ? ORDER BY date, id", (dossier_id,)
        )

    def cqpt_phase(self, dossier_id: int, phase: str) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM cqpt_phases WHERE dossier_id = ? AND phase = ?", (dossier_id, phase)
        )

    def cqpt_last_event(self, dossier_id: int, event: str) -> sqlite3.Row | None:
        """The latest timeline entry of one kind (admissibility, orient...)."""
        return self.one(
            "SELECT * FROM dossier_events WHERE dossier_id = ? AND event = ? "
            "ORDER BY date DESC, id DESC LIMIT 1",
            (dossier_id, event),
        )

    # -- funding report ---------------------------------------------------------------
    def cqpt_dossiers(self, scheme_codes: list[str]) -> list[sqlite3.Row]:
        """Dossiers of the given (CQPT) schemes with the candidate's name and employer."""
        if not scheme_codes:
            return []
        marks = ", ".join("?" for _ in scheme_codes)
        return self.all(
            "SELECT d.*, c.first_name, c.last_name, c.employer AS candidate_employer "
            f"FROM dossiers d JOIN candidates c ON c.id = d.candidate_id "
            f"WHERE d.scheme IN ({marks}) ORDER BY d.ref",
            tuple(scheme_codes),
        )
