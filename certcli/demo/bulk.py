"""Synthetic candidates in bulk, for benchmarks: plain inserts, no history."""

from __future__ import annotations

import datetime as dt
import json
import random

from certcli.demo.people import _person
from certcli.validators import fold


def _bulk(store, rng: random.Random, size: int, today: dt.date) -> None:
    """Synthetic candidates with two dossiers each, inserted in bulk (benchmarks)."""
    cand_rows, dossier_rows = [], []
    base = store.scalar("SELECT coalesce(max(id), 0) FROM candidates")
    year = today.year
    seq = store.scalar("SELECT value FROM counters WHERE name = ?", (f"dossier:{year}",)) or 0
    statuses = ["submitted", "incomplete", "instruction", "report_ready", "granted", "refused"]
    for i in range(size):
        p = _person(rng, base + i + 1)
        cand_rows.append((
            base + i + 1, p["civility"], p["first_name"], p["last_name"], p["birth_date"],
            p["email"], p["phone"], p["address"], p["postcode"], p["city"], p["status"],
            json.dumps(p["specialties"]), p["employer"], p["siret"], int(p["directory_consent"]),
            fold(" ".join([p["first_name"], p["last_name"], p["email"], p["city"],
                           p["employer"]])), today.isoformat(),
        ))
        for scheme in ("ECO", "PROG"):
            seq += 1
            dossier_rows.append((f"{year}-{seq:06d}", base + i + 1, scheme, "initial",
                                 rng.choice(statuses), today.isoformat()))
    store.conn.executemany(
        "INSERT INTO candidates (id, civility, first_name, last_name, birth_date, email, phone,"
        " address, postcode, city, status, specialties, employer, siret, directory_consent,"
        " search_key, created_on) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cand_rows)
    store.conn.executemany(
        "INSERT INTO dossiers (ref, candidate_id, scheme, kind, status, opened_on)"
        " VALUES (?,?,?,?,?,?)", dossier_rows)
    store.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO "
                  "UPDATE SET value = excluded.value", (f"dossier:{year}", seq))
