"""Reads and the dues call on offices of every size: time and peak memory per process.

    python benchmarks/generate.py 100000 /tmp/office-100k.db     (once per size)
    python benchmarks/bench_scale.py /tmp/office-1k.db /tmp/office-100k.db ...

Each command runs as a whole process (`python -m certcli`), output to /dev/null, the
sizes interleaved run by run (A B A B ...); prints the median wall time, min-max, and
the peak resident memory of the process (os.wait4). `--dues` also runs the dues call
for next year on a copy of each database (once: it writes).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile

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
]
RUNS = int(os.environ.get("RUNS", "3"))


def run(db: str, args: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak MB) of one whole process."""
    with open(os.devnull, "w") as null:
        proc = subprocess.Popen(
            [sys.executable, "-m", "certcli", "--db", db, *args],
            stdout=null,
            stderr=subprocess.PIPE,
        )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = usage.ru_utime + usage.ru_stime
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} on {db} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024


def main(dbs: list[str], dues: bool) -> None:
    print("| command | " + " | ".join(os.path.basename(d) for d in dbs) + " |")
    print("|---|" + "---|" * len(dbs))
    for name, args in READS:
        times = {d: [] for d in dbs}
        peak = dict.fromkeys(dbs, 0.0)
        run(dbs[0], args)  # warm-up: bytecode and page cache
        for _ in range(RUNS):
            for db in dbs:
                seconds, mb = run(db, args)
                times[db].append(seconds)
                peak[db] = max(peak[db], mb)
        cells = [
            f"{statistics.median(times[d]) * 1000:.0f} ms "
            f"({min(times[d]) * 1000:.0f}-{max(times[d]) * 1000:.0f}), "
            f"{peak[d]:.0f} MB"
            for d in dbs
        ]
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    if dues:
        cells = []
        for db in dbs:
            with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
                copy = os.path.join(tmp, "office.db")
                shutil.copyfile(db, copy)
                seconds, mb = run(
                    copy, ["dues", "call", "--year", "2027", "--date", "2026-11-25", "--json"]
                )
                cells.append(f"{seconds:.1f} s CPU, {mb:.0f} MB")
        print("| `dues call --year 2027` (writes) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dues"]
    main(args, "--dues" in sys.argv)
