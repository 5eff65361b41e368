"""The same office on SQLite and on PostgreSQL (local socket): the everyday reads, the
dues call and `db copy`, each engine against the other.

    python benchmarks/generate.py 100000 /tmp/office-100k.db      (once)
    python benchmarks/generate.py 30000 /tmp/office-30k.db        (8,004 holders to call)
    createdb bench_reads; createdb bench_dues
    python benchmarks/bench_postgresql.py /tmp/office-100k.db postgresql:///bench_reads \\
        /tmp/office-30k.db postgresql:///bench_dues

Each office is copied to its (empty) server database with `certcli db copy` (timed), and
the reads' office back to a new SQLite file (timed). Every command runs as a whole
process (`python -m certcli`, output to /dev/null), the two engines interleaved run by
run (A B A B ...): the median wall time of RUNS runs (default 7) after a warm-up, its
min-max, and the CPU time of the process (user + system). With PGDATA set to the
server's data folder (a cluster of your own on this machine), the server's CPU time
too: what the postmaster's finished children (the command's backend) used, read from
/proc. The dues call for next year runs DUES_RUNS times (default 3) per engine, each
on a fresh copy (a copy of the file; CREATE DATABASE ... TEMPLATE on the server).
Targets (issue 17): the reads within 1.5x, the dues call within 2x.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("RUNS", "7"))
DUES_RUNS = int(os.environ.get("DUES_RUNS", "3"))
READS = [
    ("candidate list --search martin", ["candidate", "list", "--search", "martin"]),
    ("dossier list", ["dossier", "list"]),
    ("dossier show", ["dossier", "show", "REF"]),
    ("invoice list --unpaid", ["invoice", "list", "--unpaid"]),
]
DUES = ["dues", "call", "--year", "2027", "--date", "2026-12-15", "--future", "--json"]


def _server_cpu() -> float:
    """CPU seconds of the server's finished backends (0 without PGDATA)."""
    pgdata = os.environ.get("PGDATA")
    if not pgdata:
        return 0.0
    pid = int(Path(pgdata, "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def certcli(db: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certcli", "--db", db, *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        **kwargs,
    )


def run(db: str, args: list[str]) -> tuple[float, float, float, str]:
    """(wall, process CPU, server CPU, stdout) of one whole process."""
    before, server = resource.getrusage(resource.RUSAGE_CHILDREN), _server_cpu()
    start = time.perf_counter()
    done = certcli(db, args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"certcli {' '.join(args)} on {db}: {done.stderr.strip()}")
    time.sleep(0.05)  # the backend reaped
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, _server_cpu() - server, done.stdout


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _line(name: str, lite: list[tuple], pg: list[tuple], unit: str = "ms") -> None:
    scale, digits = (1000, 0) if unit == "ms" else (1, 1)

    def shown(runs):
        walls = [r[0] * scale for r in runs]
        cpu = _med([r[1] * scale for r in runs])
        server = _med([r[2] * scale for r in runs])
        return (
            f"{_med(walls):8.{digits}f} {unit} ({min(walls):.{digits}f}-{max(walls):.{digits}f}), "
            f"cpu {cpu:.{digits}f}" + (f"+{server:.{digits}f}" if any(r[2] for r in runs) else "")
        )

    wall = _med([r[0] for r in pg]) / _med([r[0] for r in lite])
    cpu = _med([r[1] + r[2] for r in pg]) / _med([r[1] + r[2] for r in lite])
    print(f"{name:34} {shown(lite):38} {shown(pg):42} wall {wall:4.2f} cpu {cpu:4.2f}")


def copy(source: str, target: str) -> tuple[float, float, float, str]:
    return run(target, ["db", "copy", "--from", source, "--to", target, "--json"])


def main(reads_db: str, reads_url: str, dues_db: str, dues_url: str) -> None:
    wall, cpu, server, _ = copy(reads_db, reads_url)
    print(
        f"db copy {reads_db} to the server: {wall:.1f} s (cpu {cpu:.1f} s + server {server:.1f} s)"
    )
    with tempfile.TemporaryDirectory() as folder:
        back = str(Path(folder) / "back.db")
        wall, cpu, server, _ = copy(reads_url, back)
        print(f"db copy back to a new file: {wall:.1f} s (cpu {cpu:.1f} s + server {server:.1f} s)")
    ref = certcli(reads_db, ["dossier", "list", "--json", "--limit", "1"], text=True,
                  capture_output=True).stdout  # fmt: skip
    ref = json.loads(ref)[0]["ref"]
    print(
        f"{'command':34} {'SQLite: wall (min-max), cpu':38} {'PostgreSQL: cpu = process+server':42}"
    )
    for name, args in READS:
        args = [ref if a == "REF" else a for a in args]
        for db in (reads_db, reads_url):
            run(db, args)  # warm-up
        times: dict[str, list] = {reads_db: [], reads_url: []}
        for _ in range(RUNS):
            for db in (reads_db, reads_url):
                times[db].append(run(db, args)[:3])
        _line(name, times[reads_db], times[reads_url])

    copy(dues_db, dues_url)
    template = dues_url.rsplit("/", 1)[1]
    lite_runs, pg_runs, holders = [], [], 0
    with tempfile.TemporaryDirectory() as folder:
        for i in range(DUES_RUNS):
            fresh = str(Path(folder) / f"dues-{i}.db")
            shutil.copy(dues_db, fresh)
            *lite, out = run(fresh, DUES)
            lite_runs.append(lite)
            holders = json.loads(out)["count"]
            name = f"{template}_run{i}"
            admin = ["-d", "postgres", "-qc"]
            subprocess.run(["psql", *admin, f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run(["psql", *admin, f"CREATE DATABASE {name} TEMPLATE {template}"],
                           check=True)  # fmt: skip
            *pg, out = run(dues_url.rsplit("/", 1)[0] + "/" + name, DUES)
            pg_runs.append(pg)
            assert json.loads(out)["count"] == holders
            subprocess.run(["psql", *admin, f"DROP DATABASE {name}"], check=True)
    _line(f"dues call ({holders} holders)", lite_runs, pg_runs, "s")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
