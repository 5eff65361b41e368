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

    python benchmarks/bench_postgresql.py --instructions /tmp/office-100k.db URL

counts instead the instructions each read's whole process executes (valgrind's
callgrind, `--json`), on the file and on URL, a database `db copy` filled from it: the
same count whatever else the machine does, where wall times on a loaded machine swing
several-fold. Each engine has a cache folder of its own (XDG_CACHE_HOME), one warm-up
run, then ROUNDS (default 3) interleaved counts: the median and min-max. Compile the
bytecode first (python -m compileall certcli), as an installed certcli has it.
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


def certcli(db: str, args: list[str], env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certcli", "--db", db, *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
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


def instructions(db: str, args: list[str], cache: str) -> int:
    import re

    argv = [sys.executable, "-m", "certcli", "--db", db, *args]
    env = {**os.environ, "COLUMNS": "200", "XDG_CACHE_HOME": cache}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        sys.exit(f"certcli {' '.join(args)} on {db} under valgrind: {done.stderr[-300:]}")
    return int(found.group(1))


def count_instructions(db: str, url: str) -> None:
    rounds = int(os.environ.get("ROUNDS", "3"))
    ref = certcli(db, ["dossier", "list", "--json", "--limit", "1"], text=True,
                  capture_output=True).stdout  # fmt: skip
    ref = json.loads(ref)[0]["ref"]
    print(f"{'command --json':34} {'SQLite, M instr.':>22} {'PostgreSQL, M instr.':>22}  ratio")
    with tempfile.TemporaryDirectory() as folder:
        caches = {db: str(Path(folder) / "sqlite"), url: str(Path(folder) / "postgresql")}
        for name, args in READS:
            args = [ref if a == "REF" else a for a in args] + ["--json"]
            counts: dict[str, list[int]] = {db: [], url: []}
            for engine in (db, url):
                env = {"XDG_CACHE_HOME": caches[engine]}
                certcli(engine, args, env=env, stdout=subprocess.DEVNULL, check=True)  # warm-up
            for _ in range(rounds):
                for engine in (db, url):
                    counts[engine].append(instructions(engine, args, caches[engine]))

            def shown(values: list[int]) -> str:
                m = [v / 1e6 for v in values]
                return f"{_med(m):,.0f} ({min(m):,.0f}-{max(m):,.0f})"

            ratio = _med(counts[url]) / _med(counts[db])
            verdict = "met" if ratio <= 1.5 else "MISSED"
            print(f"{name:34} {shown(counts[db]):>22} {shown(counts[url]):>22}  "
                  f"{ratio:.2f} (1.5: {verdict})")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--instructions":
        count_instructions(*sys.argv[2:])
    elif len(sys.argv) != 5:
        sys.exit(__doc__)
    else:
        main(*sys.argv[1:])
