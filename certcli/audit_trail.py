"""Reading the audit trail: who did what, when, on which record (`certcli log`)."""

from __future__ import annotations

import json

from certcli.errors import ValidationError

# The kinds of record certcli's writes are logged against (the `entity` argument of
# every store.audit call; a test keeps this in step with the code). The trail
# itself may hold more, from older versions: both are accepted.
ENTITIES = ("candidate", "certificate", "database", "dossier", "dues", "evaluator",
            "instructor", "invoice", "letter", "session")


def known_entities(store) -> list[str]:
    return sorted(set(ENTITIES) | set(store.audit_entities()))


def page(store, *, entity: str | None = None, record: str | None = None,
         action: str | None = None, page: int = 1, limit: int = 50) -> tuple[list[dict], int]:
    """One page of entries, newest first, and the number matching in all. A misspelt
    --entity is refused rather than silently finding nothing."""
    if entity is not None:
        entity = entity.strip().lower()
        known = known_entities(store)
        if entity not in known:
            from certcli.validators import shown

            raise ValidationError(f"unknown entity {shown(entity)} (known: {', '.join(known)})")
    rows, total = store.audit_page(entity=entity, entity_id=record, action=action,
                                   limit=limit, offset=(page - 1) * limit)
    entries = [{"id": r["id"], "at": r["at"], "date": r["date"], "by": r["actor"],
                "action": r["action"], "entity": r["entity"], "record": r["entity_id"],
                "details": json.loads(r["details"])} for r in rows]
    return entries, total
