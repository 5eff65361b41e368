"""Reads and the dues call on offices of every size: time and peak memory per process.

    python benchmarks/generate.py 100000 /tmp/office-100k.db     (once per size)
    python benchmarks/bench_scale.py /tmp/office-1k.db /tmp/office-100k.db ...

Each command runs as a whole process (`python -m certcli`), output to /dev/null, the
sizes interleaved run by run (A B A B ...); prints the median wall time, min-max, and
the peak resident memory of the process (os.wait4). The first row is the floor: a
minimal one-command Typer app, run in the same minutes. `--exports` also runs every
export and `--all` listing once per size (their peak memory is the point; output to
/dev/null, the xlsx to a file removed after). `--dues` also runs the dues call for next
year on a copy of each database (once: it writes).

A database may be a postgresql:// URL (`db copy` an office there first). The process's
CPU time is then only the client's half: with BENCH_PG_DATA set to the server's data
folder (a server on this machine, its postmaster.pid readable), each cell also gives
the server's CPU time for the command (the time of the backends the postmaster reaped
meanwhile: the command's connection and its parallel workers) and the wall time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

READS = [
    ("candidate list", ["candidate", "list"]),
    ("candidate list --search martin", ["candidate", "list", "--search", "martin"]),
    ("certificate list", ["certificate", "list", "--as-of", "2026-11-25"]),
    ("invoice list --unpaid", ["invoice", "list", "--unpaid"]),
    ("invoice list --unpaid --json", ["invoice", "list", "--unpaid", "--json"]),
    (
        "directory search martin --json",
        ["directory", "search", "martin", "--json", "--as-of", "2026-11-25"],
    ),
    ("renewals due --json", ["renewals", "due", "--json", "--as-of", "2026-11-25"]),
    ("stats --json", ["stats", "--json", "--as-of", "2026-11-25"]),
    ("dossier show", ["dossier", "show", "2026-0001"]),
]
EXPORTS = [
    ("candidate export", ["candidate", "export"]),
    ("candidate export --format json", ["candidate", "export", "--format", "json"]),
    ("candidate export --format xlsx", ["candidate", "export", "--format", "xlsx", "--out"]),
    ("dossier export", ["dossier", "export"]),
    ("certificate export", ["certificate", "export"]),
    ("invoice export", ["invoice", "export"]),
    ("invoice export --year 2026 --format fec", ["invoice", "export", "--year", "2026",
                                                  "--format", "fec"]),
    ("directory export", ["directory", "export", "--as-of", "2026-11-25"]),
    ("certificate list --all --json", ["certificate", "list", "--all", "--json"]),
    ("renewals due --all --json", ["renewals", "due", "--all", "--json",
                                   "--as-of", "2026-11-25"]),
]  # fmt: skip
FLOOR = "import typer\napp = typer.Typer()\n@app.command()\ndef main(): pass\napp()"
RUNS = int(os.environ.get("RUNS", "3"))


SERVER: list[tuple[float, float]] = []  # (server CPU, wall) of each run, BENCH_PG_DATA


def _server_cpu() -> float:
    """CPU seconds of the PostgreSQL server's exited backends (BENCH_PG_DATA)."""
    with open(os.path.join(os.environ["BENCH_PG_DATA"], "postmaster.pid")) as pidfile:
        pid = pidfile.readline().strip()
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def run(db: str | None, args: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak MB) of one whole process (db None: the Typer floor)."""
    argv = [sys.executable, "-c", FLOOR] if db is None else [
        sys.executable, "-m", "certcli", "--db", db, *args
    ]  # fmt: skip
    server = db is not None and db.startswith("postgres") and "BENCH_PG_DATA" in os.environ
    before, start = (_server_cpu() if server else 0.0), time.perf_counter()
    with open(os.devnull, "w") as null:
        proc = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    elapsed = usage.ru_utime + usage.ru_stime
    if server:
        time.sleep(0.2)  # the postmaster reaps the backend just after the client leaves
        SERVER.append((_server_cpu() - before, wall))
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} on {db} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024


def _ms(values: list[float]) -> str:
    return (
        f"{statistics.median(values) * 1000:.0f} ms "
        f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"
    )


def main(dbs: list[str], dues: bool, exports: bool) -> None:
    print("| command | " + " | ".join(os.path.basename(d) for d in dbs) + " |")
    print("|---|" + "---|" * len(dbs))
    floor = []
    run(None, [])
    for _ in range(RUNS):
        floor.append(run(None, [])[0])
    print(
        f"| minimal Typer app (the floor) | {statistics.median(floor) * 1000:.0f} ms "
        f"({min(floor) * 1000:.0f}-{max(floor) * 1000:.0f}) |",
        flush=True,
    )
    for name, args in READS:
        times: dict[str, list[float]] = {d: [] for d in dbs}
        served: dict[str, list[tuple[float, float]]] = {d: [] for d in dbs}
        peak = dict.fromkeys(dbs, 0.0)
        run(dbs[0], args)  # warm-up: bytecode and page cache
        for _ in range(RUNS):
            for db in dbs:
                del SERVER[:]
                seconds, mb = run(db, args)
                times[db].append(seconds)
                served[db] += SERVER
                peak[db] = max(peak[db], mb)
        cells = [
            _ms(times[d])
            + (
                f", server {_ms([s for s, _ in served[d]])}, wall {_ms([w for _, w in served[d]])}"
                if served[d]
                else ""
            )
            + f", {peak[d]:.0f} MB"
            for d in dbs
        ]
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    for name, args in EXPORTS if exports else ():
        cells = []
        for db in dbs:
            with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
                out = [os.path.join(tmp, "out.xlsx")] if args[-1] == "--out" else []
                del SERVER[:]
                seconds, mb = run(db, args + out)
            server = f", server {SERVER[0][0]:.1f} s, wall {SERVER[0][1]:.1f} s" if SERVER else ""
            cells.append(f"{seconds * 1000:.0f} ms{server}, {mb:.0f} MB")
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    if dues:
        cells = []
        for db in dbs:
            if db.startswith("postgres"):
                cells.append("(not run: a copy of a file only)")
                continue
            with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
                copy = os.path.join(tmp, "office.db")
                shutil.copyfile(db, copy)
                seconds, mb = run(
                    copy, ["dues", "call", "--year", "2027", "--date", "2026-11-25", "--json"]
                )
                cells.append(f"{seconds:.1f} s CPU, {mb:.0f} MB")
        print("| `dues call --year 2027` (writes) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a not in ("--dues", "--exports")]
    main(args, "--dues" in sys.argv, "--exports" in sys.argv)
