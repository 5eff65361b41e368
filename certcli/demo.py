"""A realistic fictional office, and a synthetic generator for benchmarks.

Every name, address and company here is invented; SIRET numbers are generated
with a valid Luhn key so they pass the same checks as real ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from certcli import candidates, dossiers
from certcli.errors import CertcliError
from certcli.validators import fold

FIRST = ["Léa", "Hugo", "Chloé", "Louis", "Manon", "Gabriel", "Camille", "Arthur", "Inès",
         "Jules", "Zoé", "Raphaël", "Élodie", "Théo", "Anaïs", "Noé", "Margaux", "Étienne",
         "Clémence", "Baptiste", "Océane", "Mathis", "Aurélie", "François"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier"]
CITIES = [("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("31000", "Toulouse"),
          ("44000", "Nantes"), ("67000", "Strasbourg"), ("33000", "Bordeaux"), ("59000", "Lille")]
STREETS = ["rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "rue de la Paix",
           "impasse des Tilleuls", "chemin du Moulin"]
FIRMS = ["Cabinet Métré Conseil", "Atelier Économie Bâtiment", "Programmation & Territoires",
         "BET Quantités", "Télécom Réseaux Ouest", "Fibre Services Est", "Opérateur Numérique SA"]


def _siret(rng: random.Random) -> str:
    from stdnum import luhn

    # A SIRET is a Luhn-valid SIREN (9 digits) followed by 5 digits, Luhn-valid as a whole.
    siren = "".join(str(rng.randrange(10)) for _ in range(8))
    siren += luhn.calc_check_digit(siren)
    body = siren + "".join(str(rng.randrange(10)) for _ in range(4))
    return body + luhn.calc_check_digit(body)


def _person(rng: random.Random, i: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    postcode, city = rng.choice(CITIES)
    return {
        "civility": rng.choice(["M.", "Mme"]), "first_name": first, "last_name": last,
        "birth_date": dt.date(1965 + rng.randrange(35), 1 + rng.randrange(12),
                              1 + rng.randrange(28)).isoformat(),
        "email": f"{fold(first)}.{fold(last)}.{i}@example.fr".replace(" ", ""),
        "phone": f"+33 6 {rng.randrange(10, 30)} {rng.randrange(10, 99)} "
                 f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        "address": f"{1 + rng.randrange(120)} {rng.choice(STREETS)}",
        "postcode": postcode, "city": city,
        "status": rng.choice(["salarie", "salarie", "demandeur"]),
        "specialties": rng.choice([["economie"], ["programmation"], ["economie",
                                                                      "programmation"]]),
        "employer": rng.choice(FIRMS), "siret": _siret(rng),
        "directory_consent": rng.random() < 0.7,
    }


def build(store, *, today: dt.date, size: int = 0, force: bool = False) -> dict:
    """Write the fictional office (and `size` synthetic candidates) in one transaction."""
    existing = store.scalar("SELECT count(*) FROM candidates")
    if existing and not force:
        raise CertcliError(
            f"{store.path} already holds {existing} candidates: the demo will not mix "
            "fictional data into it (use another --db, or --force)"
        )
    rng = random.Random(2026)
    notes: list[str] = []
    with store.transaction():
        if size:
            _bulk(store, rng, size, today)
        _office(store, rng, today, notes)
        store.audit("demo", "database", None, {"size": size}, today)
    counts = store.counts()
    shown = ("candidates", "dossiers", "instructors", "sessions", "certificates", "invoices",
             "letters")
    return {"db": str(store.path), "counts": {k: counts.get(k, 0) for k in shown},
            "notes": notes}


def _office(store, rng: random.Random, today: dt.date, notes: list[str]) -> None:
    """The hand-made office: a few people at every stage the tool knows."""
    start = today - dt.timedelta(days=120)
    people = []
    for i in range(24):
        values = _person(rng, i)
        values["specialties"] = values["specialties"]
        people.append(candidates.add(store, values, date=start, force=True))
    for i, person in enumerate(people):
        scheme = "CQPT" if i % 4 == 3 else ("ECO" if "economie" in person.specialties else "PROG")
        extra = {}
        if scheme == "CQPT":
            extra = {"route": rng.choice(["contrat-pro", "periode-pro", "libre"]),
                     "financing": rng.choice(["contrat-pro", "periode-pro", "dif-prioritaire",
                                              "plan-formation"])}
        dossiers.open_dossier(store, candidate_id=person.id, scheme_code=scheme,
                              date=start + dt.timedelta(days=i), **extra)
    notes.append("Dossiers are opened; later stages appear as the instruction, commission "
                 "and letters capabilities land.")


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
