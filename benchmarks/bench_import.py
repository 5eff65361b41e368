"""Time `certcli candidate import` of a generated CSV into a fresh register.

    python benchmarks/bench_import.py [ROWS ...]     (default: 2000 20000 100000)

Each size runs as a whole process (`python -m certcli`) on its own new database, with
every row checked (e-mail, phone, SIRET, duplicates) and indexed for search, all in one
transaction (the run is refused unless every row went in). Prints rows, wall and CPU
seconds of the import process, and CPU microseconds per row: a constant per-row cost
shows as a flat last column (CPU time, because wall time on a shared machine mostly
measures the other processes).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST = [
    "Léa",
    "Éric",
    "Hélène",
    "Jean",
    "Zoé",
    "Marc",
    "Chloé",
    "Noé",
    "Inès",
    "Thierry",
    "Anaïs",
    "François",
    "Océane",
    "Jérôme",
    "Maëlle",
    "Loïc",
]
LAST = [
    "Martin",
    "Bérégovoy",
    "Dupont",
    "Lefèvre",
    "Maréchal",
    "Durand",
    "Petit",
    "Roux",
    "Moreau",
    "Girard",
    "Lambert",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
]
CITIES = ["Paris", "Lyon", "Orléans", "Besançon", "Nîmes", "Saint-Étienne", "Brest"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "first_name",
                "last_name",
                "birth_date",
                "email",
                "phone",
                "postcode",
                "city",
                "status",
                "specialties",
                "employer",
            ]
        )
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            born = f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            out.writerow(
                [
                    first,
                    f"{last}{i}",
                    born,
                    f"p{i}@example.fr",
                    f"06 {rng.randint(10, 38)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                    f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}",
                    rng.choice(CITIES),
                    rng.choice(["salarie", "demandeur"]),
                    rng.choice(["economie", "programmation", "economie;programmation"]),
                    f"Société {rng.randint(1, 500)}",
                ]
            )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "in.csv"
        write_csv(data, rows)
        env = {**os.environ, "CERTCLI_DB": str(folder / "bench.db")}
        cli = [sys.executable, "-m", "certcli"]
        subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
        cpu = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            [*cli, "candidate", "import", str(data), "--date", "2026-11-25"],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - cpu
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr.strip()}")
        # Every row must have gone in: a fast import that rejects rows proves nothing.
        if f"{rows} of {rows} rows imported" not in done.stdout:
            sys.exit(f"not every row was imported: {done.stdout.strip()[-200:]}")
        return elapsed, cpu


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2000, 20000, 100000]
    print(f"{'rows':>8}  {'wall s':>8}  {'CPU s':>8}  {'CPU µs/row':>10}")
    for rows in sizes:
        seconds, cpu = run(rows)
        print(f"{rows:>8}  {seconds:>8.2f}  {cpu:>8.2f}  {cpu / rows * 1e6:>10.0f}")


if __name__ == "__main__":
    main()
