"""The same office on SQLite and on PostgreSQL (local socket): the everyday reads and
the dues call, each engine against the other.

    python benchmarks/generate.py 100000 /tmp/office-100k.db      (once)
    python benchmarks/generate.py 30000 /tmp/office-30k.db        (10,000 holders)
    createdb bench_reads; createdb bench_dues
    python benchmarks/bench_postgresql.py /tmp/office-100k.db postgresql:///bench_reads \\
        /tmp/office-30k.db postgresql:///bench_dues

Each office is copied to its (empty) server database with `certcli db copy` (timed).
Every read runs as a whole process (`python -m certcli`, output to /dev/null), the two
engines interleaved run by run; the median wall time of RUNS runs (default 7) after a
warm-up, and the ratio PostgreSQL / SQLite. The dues call for next year runs once per
engine, on a copy of the 30k office (10,000 holders) and on its server copy. Targets
(issue 17): the reads within 1.5x, the dues call within 2x.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("RUNS", "7"))
READS = [
    ("candidate list --search martin", ["candidate", "list", "--search", "martin"]),
    ("dossier list", ["dossier", "list"]),
    ("dossier show", ["dossier", "show", "REF"]),
    ("invoice list --unpaid", ["invoice", "list", "--unpaid"]),
]
DUES = ["dues", "call", "--year", "2027", "--date", "2026-12-15", "--future"]


def certcli(db: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certcli", "--db", db, *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        **kwargs,
    )


def timed(db: str, args: list[str]) -> float:
    start = time.perf_counter()
    done = certcli(db, args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"certcli {' '.join(args)} on {db}: {done.stderr.strip()}")
    return elapsed


def copy_to(source: str, url: str) -> float:
    start = time.perf_counter()
    done = certcli(url, ["db", "copy", "--from", source, "--to", url, "--json"], text=True,
                   capture_output=True)  # fmt: skip
    if done.returncode:
        sys.exit(done.stderr.strip())
    return time.perf_counter() - start


def main(reads_db: str, reads_url: str, dues_db: str, dues_url: str) -> None:
    print(f"copy {reads_db} to the server: {copy_to(reads_db, reads_url):.1f} s")
    ref = certcli(reads_db, ["dossier", "list", "--json", "--limit", "1"], text=True,
                  capture_output=True).stdout  # fmt: skip
    import json

    ref = json.loads(ref)[0]["ref"]
    print(f"{'command':34} {'SQLite':>9} {'PostgreSQL':>11} {'ratio':>6}")
    for name, args in READS:
        args = [ref if a == "REF" else a for a in args]
        for db in (reads_db, reads_url):
            timed(db, args)  # warm-up
        times: dict[str, list[float]] = {reads_db: [], reads_url: []}
        for _ in range(RUNS):
            for db in (reads_db, reads_url):
                times[db].append(timed(db, args))
        lite, pg = (statistics.median(times[db]) * 1000 for db in (reads_db, reads_url))
        print(f"{name:34} {lite:7.0f} ms {pg:8.0f} ms {pg / lite:6.2f}")
    print(f"copy {dues_db} to the server: {copy_to(dues_db, dues_url):.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        copy = str(Path(folder) / "dues.db")
        shutil.copy(dues_db, copy)
        lite = timed(copy, DUES)
        pg = timed(dues_url, DUES)
        holders = certcli(copy, ["invoice", "list", "--year", "2027", "--all", "--json"],
                          text=True, capture_output=True).stdout.count('"number"')  # fmt: skip
    print(f"{f'dues call ({holders} holders)':34} {lite:8.1f} s {pg:9.1f} s {pg / lite:6.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
