"""Time `certcli bank import` of a 10,000-entry CAMT.053 statement, in one transaction.

    python benchmarks/bench_bank.py [ENTRIES] [BACKEND]   (default 10000, sqlite)

BACKEND `postgresql` runs on the server libpq's variables name (PGHOST, PGPORT,
PGUSER), in a throwaway database. The office: ENTRIES candidates (names with
accents, bench_import's generator), one open invoice each, of 150.00 to 199.00. The
statement, in the shape a French bank exports (tests/camt_files.py): 60 % of the
entries name their invoice in the remittance (in four spellings), 25 % only the
payer (the bank's upper-case, accent-free name, last name first) and the amount,
10 % nobody known, and 5 % are batched entries of three transfers each. Target:
under 10 s for 10,000 entries (CPU seconds of the import process, start-up
included; the wall time is printed too, which on a shared machine mostly measures
the other processes), and what it matched (each matched entry a payment recorded by
the payment rule, invoices.pay_many, for the whole statement at once).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_import import write_csv  # noqa: E402
from camt_files import entry, statement, tx  # noqa: E402

from certcli.domain import invoices  # noqa: E402
from certcli.rules import schemes, validators  # noqa: E402
from certcli.store import Store  # noqa: E402

TARGET = 10.0
ISSUED = dt.date(2026, 3, 2)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def office(env: dict, folder: Path, count: int) -> list[dict]:
    cli = [sys.executable, "-m", "certcli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    data = folder / "in.csv"
    write_csv(data, count)
    subprocess.run(
        [*cli, "candidate", "import", str(data), "--date", "2026-01-05"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    store = Store(env["CERTCLI_DB"])
    store.actor = "bench"
    body = next(iter(schemes.catalog().values())).body
    people = store.all("SELECT id, first_name, last_name FROM candidates ORDER BY id")
    items = [
        {
            "candidate_id": p["id"],
            "amount": Decimal(150 + i % 50),
            "label": "Cotisation",
            "body": body,
        }
        for i, p in enumerate(people)
    ]
    written = invoices.issue_many(store, items, purpose="instruction", date=ISSUED)
    store.close()
    return [
        {"number": w["number"], "amount": w["amount"], "first": p["first_name"],
         "last": p["last_name"]}
        for w, p in zip(written, people, strict=True)
    ]  # fmt: skip


def _payer(inv: dict) -> str:
    return validators.fold(f"{inv['last']} {inv['first']}").upper()


def _spelling(number: str, rng: random.Random) -> str:
    year, seq = number[2:6], number[7:]
    return rng.choice(
        [f"FACTURE {number}", f"f{year} {seq}", f"REGLEMENT F{year}{seq}", f"Fact. F-{year}-{seq}"]
    )


def build_statement(invoices_: list[dict], count: int, seed: int = 11) -> str:
    rng = random.Random(seed)
    pool = list(invoices_)
    rng.shuffle(pool)
    entries = []
    i = 0
    while len(entries) < count:
        roll = rng.random()
        ref = f"2026031{len(entries):08d}"
        if roll < 0.05 and len(pool) >= 3:
            txs = []
            for k in range(3):
                inv = pool.pop()
                txs.append(
                    tx(
                        inv["amount"],
                        debtor=_payer(inv),
                        remittance=_spelling(inv["number"], rng),
                        ref=f"{ref}{'ABC'[k]}",
                    )
                )
            entries.append(entry(ref, *txs))  # fmt: skip
        elif roll < 0.65 and pool:
            inv = pool.pop()
            entries.append(entry(ref, tx(inv["amount"], debtor=_payer(inv),
                                         remittance=_spelling(inv["number"], rng))))  # fmt: skip
        elif roll < 0.90 and pool:
            inv = pool.pop()
            entries.append(entry(ref, tx(inv["amount"], debtor=f"M. {_payer(inv)}",
                                         remittance="COTISATION")))  # fmt: skip
        else:
            entries.append(entry(ref, tx(f"{rng.randint(10, 999)}.00", debtor=f"INCONNU {i}",
                                         remittance="VIREMENT")))  # fmt: skip
        i += 1
    return statement(entries)


def _pg_env(env: dict) -> tuple[dict, str, object]:
    import psycopg2

    name = f"certcli_bench_bank_{os.getpid()}"
    connection = psycopg2.connect("dbname=postgres")
    connection.autocommit = True
    admin = connection.cursor()
    admin.execute(f"CREATE DATABASE {name}")
    return {**env, "CERTCLI_DB": f"postgresql:///{name}"}, name, admin


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    backend = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "CERTCLI_DB": str(folder / "bench.db")}
        admin = name = None
        if backend == "postgresql":
            env, name, admin = _pg_env(env)
        try:
            issued = office(env, folder, count)
            path = folder / "releve.xml"
            path.write_text(build_statement(issued, count), encoding="utf-8")
            cpu = _children_cpu()
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "certcli", "bank", "import", str(path),
                 "--date", "2026-03-13", "--json"],
                env=env, capture_output=True, text=True,
            )  # fmt: skip
            elapsed = time.perf_counter() - start
            cpu = _children_cpu() - cpu
        finally:
            if admin is not None:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[attr-defined]
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr.strip()}")
        result = json.loads(done.stdout)
        matched, unmatched = len(result["matched"]), len(result["unmatched"])
        print(
            f"{count} entries ({matched + unmatched} transactions) on {backend}: "
            f"{elapsed:.2f} s wall, {cpu:.2f} s CPU; {matched} payments recorded, "
            f"{unmatched} unmatched (target < {TARGET:.0f} s)"
        )
        # CPU time: on a shared machine the wall time mostly measures the others.
        if cpu > TARGET:
            sys.exit(f"over the target: {cpu:.2f} s of CPU")


if __name__ == "__main__":
    main()
