"""Synthetic candidates in bulk, for benchmarks: plain inserts, no history."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import TYPE_CHECKING

from certcli.demo.people import _person
from certcli.rules.validators import email_key, fold, name_key

if TYPE_CHECKING:
    from certcli.store import Store

_BATCH = 10_000


def _bulk(store: Store, rng: random.Random, size: int, today: dt.date) -> None:
    """Synthetic candidates with two dossiers each, inserted in bulk (benchmarks), a
    batch of _BATCH candidates at a time (at most one batch in memory)."""
    cand_rows: list[tuple] = []
    dossier_rows: list[tuple] = []
    base = store.max_candidate_id()
    year = today.year
    seq = store.counter_value(f"dossier:{year}")
    statuses = ["submitted", "incomplete", "instruction", "report_ready", "granted", "refused"]
    for i in range(size):
        p = _person(rng, base + i + 1)
        cand_rows.append(
            (
                base + i + 1,
                p["civility"],
                p["first_name"],
                p["last_name"],
                p["birth_date"],
                p["email"],
                p["phone"],
                p["address"],
                p["postcode"],
                p["city"],
                p["status"],
                json.dumps(p["specialties"]),
                p["employer"],
                p["siret"],
                int(p["directory_consent"]),
                fold(
                    " ".join(
                        [p["first_name"], p["last_name"], p["email"], p["city"], p["employer"]]
                    )
                ),
                today.isoformat(),
                name_key(p["first_name"], p["last_name"]),
                email_key(p["email"]),
            )
        )
        for scheme in ("ECO", "PROG"):
            seq += 1
            dossier_rows.append(
                (
                    f"{year}-{seq:04d}",
                    base + i + 1,
                    scheme,
                    "initial",
                    rng.choice(statuses),
                    today.isoformat(),
                )
            )
        if len(cand_rows) == _BATCH:
            store.bulk_insert_candidates(cand_rows)
            store.bulk_insert_dossiers(dossier_rows)
            cand_rows, dossier_rows = [], []
    if cand_rows:
        store.bulk_insert_candidates(cand_rows)
        store.bulk_insert_dossiers(dossier_rows)
    store.set_counter(f"dossier:{year}", seq)
