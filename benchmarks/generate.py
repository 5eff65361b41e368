"""Build a real office of N candidates for the benchmarks, kept in a file.

    python benchmarks/generate.py SIZE DB      (e.g. 100000 /tmp/office-100k.db)

Candidates and two dossiers each come from certcli's own bulk loader (`demo --size`).
On top of them, one candidate in three holds a certificate (ECO or PROG), granted on a
day of 2022-2026 through a granted dossier, with its validity period (the scheme's
years), its prorata dues invoice issued on the grant day, a dues-call invoice for every
later year (issued on 15 January) and payments for most of them. Rows follow the rules
the commands enforce: invoice numbers gapless per year and series and in date order,
one dues invoice per certificate and year, frozen buyer names, amounts as decimal
strings, the counters left where the next command continues. Inserted in bulk in one
transaction (the domain functions would take hours at 1M), then checked with
`certcli check`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from certcli.demo.bulk import _bulk
from certcli.rules import money, schemes
from certcli.rules.dates import validity_end
from certcli.store import Store
from certcli.store.directory_order import sort_holders

TODAY = dt.date(2026, 11, 25)
CHUNK = 50_000
BUYER = ("civility", "first_name", "last_name", "address", "postcode", "city")


def _certificates(store, rng: random.Random) -> None:
    schemes_by_code = {c: schemes.get(c) for c in ("ECO", "PROG")}
    seqs = {"ECO": 0, "PROG": 0}
    invoices: dict[int, list] = {}  # year -> [(issued_on, record)]
    cert_rows, period_rows, links = [], [], []
    cur = store.conn.execute(
        "SELECT d.id, d.candidate_id, d.scheme, "
        + ", ".join(f"c.{f}" for f in BUYER)
        + " FROM dossiers d JOIN candidates c ON c.id = d.candidate_id "
        "WHERE c.id % 3 = 0 AND d.scheme = CASE c.id % 2 WHEN 0 THEN 'ECO' ELSE 'PROG' END "
        "ORDER BY d.id"
    )
    cert_id = store.scalar("SELECT coalesce(max(id), 0) FROM certificates")
    for row in cur:
        scheme = schemes_by_code[row["scheme"]]
        granted = dt.date(rng.randint(2022, 2026), rng.randint(1, 10), rng.randint(1, 28))
        granted = min(granted, TODAY)
        seqs[scheme.code] += 1
        cert_id += 1
        number = scheme.certificate_number(granted.year, seqs[scheme.code])
        mentions = json.dumps(rng.sample(scheme.mentions, rng.randint(0, 1)), ensure_ascii=False)
        cert_rows.append(
            (
                cert_id,
                number,
                row["candidate_id"],
                scheme.code,
                "valid",
                granted.isoformat(),
                mentions,
            )
        )
        period_rows.append(
            (
                cert_id,
                granted.isoformat(),
                validity_end(granted, scheme.validity_years).isoformat(),
                row["id"],
            )
        )
        links.append((granted.isoformat(), row["id"]))
        buyer = tuple(row[f] for f in BUYER)
        months, amount = money.prorata(scheme.annual_dues, granted, scheme.prorata)
        if amount > 0:
            invoices.setdefault(granted.year, []).append(
                (
                    granted.isoformat(),
                    "dues-prorata",
                    row["candidate_id"],
                    cert_id,
                    row["id"],
                    f"Cotisation annuelle {scheme.code} {granted.year} ({months}/12 mois)",
                    money.as_str(amount),
                    granted.year,
                    months,
                    buyer,
                )
            )
        for year in range(granted.year + 1, TODAY.year + 1):
            invoices.setdefault(year, []).append(
                (
                    f"{year}-01-15",
                    "dues-call",
                    row["candidate_id"],
                    cert_id,
                    None,
                    f"Cotisation annuelle {scheme.code} {year}",
                    money.as_str(scheme.annual_dues),
                    year,
                    None,
                    buyer,
                )
            )
    store.conn.executemany(
        "INSERT INTO certificates (id, number, candidate_id, scheme, status, granted_on, "
        "mentions) VALUES (?, ?, ?, ?, ?, ?, ?)",
        cert_rows,
    )
    store.conn.executemany(
        "INSERT INTO certificate_periods (certificate_id, start, end, dossier_id) "
        "VALUES (?, ?, ?, ?)",
        period_rows,
    )
    store.conn.executemany(
        "UPDATE dossiers SET status = 'granted', decision = 'granted', "
        "decided_on = ?, certificate_id = (SELECT certificate_id FROM certificate_periods "
        "WHERE dossier_id = dossiers.id) WHERE id = ?",
        links,
    )
    sort_holders(store.conn)  # the directory's order, as every certificate written keeps
    for code, seq in seqs.items():
        store.set_counter(f"certificate:{code}", seq)
    invoice_id = store.scalar("SELECT coalesce(max(id), 0) FROM invoices")
    for year, items in sorted(invoices.items()):
        items.sort(key=lambda item: item[0])  # numbers follow the issue dates
        rows, payments = [], []
        for seq, (
            issued,
            purpose,
            cand,
            cert,
            dossier,
            label,
            amount,
            dues_year,
            months,
            buyer,
        ) in enumerate(items, 1):
            invoice_id += 1
            paid = rng.random() < (0.9 if year < TODAY.year else 0.6)
            due_on = (dt.date.fromisoformat(issued) + dt.timedelta(days=30)).isoformat()
            rows.append(
                (
                    invoice_id,
                    f"F-{year}-{seq:05d}",
                    "invoice",
                    purpose,
                    year,
                    seq,
                    cand,
                    cert,
                    dossier,
                    label,
                    amount,
                    issued,
                    due_on,
                    "paid" if paid else "open",
                    dues_year,
                    months,
                    *buyer,
                )
            )
            if paid:
                paid_on = min(
                    dt.date.fromisoformat(issued) + dt.timedelta(days=rng.randint(0, 60)), TODAY
                )
                payments.append(
                    (invoice_id, amount, rng.choice(("cheque", "virement")), paid_on.isoformat())
                )
            elif rng.random() < 0.2:
                half = money.as_str(money.cents(Decimal(amount) / 2))
                payments.append((invoice_id, half, "virement", issued))
        store.conn.executemany(
            "INSERT INTO invoices (id, number, kind, purpose, year, seq, candidate_id, "
            "certificate_id, dossier_id, label, amount, issued_on, due_on, status, dues_year, "
            "prorata_months, "
            + ", ".join(f"buyer_{f}" for f in BUYER)
            + ") VALUES ("
            + ", ".join("?" * 22)
            + ")",
            rows,
        )
        store.conn.executemany(
            "INSERT INTO payments (invoice_id, amount, method, paid_on) VALUES (?, ?, ?, ?)",
            payments,
        )
        store.set_counter(f"invoice:{year}", len(items))


def generate(size: int, path: Path, seed: int = 20) -> None:
    rng = random.Random(seed)
    store = Store(path, create=True)
    store.conn.execute("PRAGMA journal_mode = WAL")
    with store.transaction():
        done = 0
        with store.bulk_load():
            while done < size:
                step = min(CHUNK, size - done)
                _bulk(store, rng, step, TODAY)
                done += step
        _certificates(store, rng)
    store.close()


if __name__ == "__main__":
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    if target.exists():
        sys.exit(f"{target} exists: choose another file")
    start = time.perf_counter()
    generate(size, target)
    print(f"{target}: {size} candidates in {time.perf_counter() - start:.1f} s")
