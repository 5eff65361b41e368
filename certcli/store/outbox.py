"""The outbox's SQL: messages recorded with their step, claimed by the run that
sends them, marked sent or failed (certcli.letters.mail)."""

from __future__ import annotations

import json
import sqlite3

from certcli.store.base import BaseStore

# A message with its letter's file, when the letter is rendered: the outbox row's
# own letter (a letter e-mailed by hand), else the pending letter's once rendered.
_WITH_LETTER = (
    "SELECT o.*, COALESCE(o.letter_id, p.letter_id) AS carried_letter_id, "
    "l.path AS letter_path, l.template AS letter_template, "
    "p.id AS asked_letter, p.letter_id AS asked_letter_done "
    "FROM outbox o "
    "LEFT JOIN pending_letters p ON p.id = o.pending_letter_id "
    "LEFT JOIN letters l ON l.id = COALESCE(o.letter_id, p.letter_id) "
)


class OutboxQueries(BaseStore):
    def outbox_message(self, message_id: int) -> sqlite3.Row | None:
        return self.one(f"{_WITH_LETTER} WHERE o.id = ?", (message_id,))

    def outbox_queued(self, ids: list[int] | None = None) -> list[sqlite3.Row]:
        """The messages still to send, oldest first (only `ids` when given)."""
        if ids is not None:
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            return self.all(
                f"{_WITH_LETTER} WHERE o.status = 'queued' AND o.id IN ({marks}) ORDER BY o.id",
                tuple(ids),
            )
        return self.all(f"{_WITH_LETTER} WHERE o.status = 'queued' ORDER BY o.id")

    def outbox_sql(self, status: str | None = None) -> tuple[str, tuple]:
        """`mail queue`'s SELECT (every message, or those of a status), oldest first."""
        if status is None:
            return f"{_WITH_LETTER} ORDER BY o.id", ()
        return f"{_WITH_LETTER} WHERE o.status = ? ORDER BY o.id", (status,)

    def outbox_claim(self, message_id: int, by: str, at: str) -> None:
        """Mark a queued message as being sent by this run (inside the caller's
        transaction, after it read the claim under the write lock)."""
        self.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'queued'",
            (by, at, message_id),
        )

    def outbox_claims(self, message_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT status, claimed_by, claimed_at FROM outbox WHERE id = ?", (message_id,)
        )

    def outbox_messages(self, ids: list[int]) -> list[sqlite3.Row]:
        """These messages, with their letter's file (`letters log`)."""
        return self.all(
            f"{_WITH_LETTER} WHERE o.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )

    def credentials_sent(self, candidate_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT c.date, o.message_id, o.status, o.sent_at FROM credentials c "
            "JOIN outbox o ON o.id = c.outbox_id WHERE c.candidate_id = ? ORDER BY c.id",
            (candidate_id,),
        )
