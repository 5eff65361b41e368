"""Time certcli's everyday commands against a plain sqlite3 baseline.

    python benchmarks/bench_startup.py [--candidates 100000] [--runs 9]

Builds (once) a synthetic database with `certcli demo --size N` (N candidates,
2N dossiers, fictional names), then runs each command and the equivalent bare
`python -c "import sqlite3; ..."` query as separate processes, and prints the
medians and ratios. Targets: each command under 150 ms and within 3x of its
baseline. The figures in the README come from this script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BASELINES = {
    "--help": "import sqlite3",
    "candidate list --search dupont": (
        "import sqlite3; c = sqlite3.connect(DB); "
        "w = \" WHERE id IN (SELECT rowid FROM candidates_fts WHERE search_key LIKE '%dupont%')\"; "
        "r = c.execute('SELECT * FROM candidates' + w + "
        "' ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id LIMIT 50').fetchall(); "
        "n = c.execute('SELECT count(*) FROM candidates' + w).fetchone(); print(len(r), n)"
    ),
    "dossier list": (
        "import sqlite3; c = sqlite3.connect(DB); "
        "r = c.execute('SELECT d.*, c.first_name, c.last_name FROM dossiers d JOIN candidates c "
        "ON c.id = d.candidate_id ORDER BY d.id DESC LIMIT 50').fetchall(); "
        "n = c.execute('SELECT count(*) FROM dossiers').fetchone(); print(len(r), n)"
    ),
    "info": (
        "import sqlite3; c = sqlite3.connect(DB); "
        "t = [r[0] for r in c.execute(\"SELECT name FROM sqlite_master WHERE type='table' "
        "AND name NOT LIKE '%fts%'\")]; "
        "print({x: c.execute(f'SELECT count(*) FROM {x}').fetchone()[0] for x in t})"
    ),
}


def median_ms(argv: list[str], runs: int, env: dict) -> float:
    subprocess.run(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )  # warm-up: bytecode written, files in the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            cwd=ROOT,
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--db", type=Path, default=HERE / "results" / "bench.db")
    args = parser.parse_args()
    env = {**os.environ, "CERTCLI_DB": str(args.db), "COLUMNS": "120"}
    # An installed certcli runs from compiled bytecode; a checkout may have it switched
    # off (PYTHONDONTWRITEBYTECODE), which would charge every run for compiling.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {args.db} with {args.candidates} candidates ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "certcli",
                "demo",
                "--size",
                str(args.candidates),
                "--date",
                "2026-11-25",
                "--json",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    # The floor of any Typer program: one command that does nothing.
    floor = median_ms(
        [
            sys.executable,
            "-c",
            "import typer\napp = typer.Typer()\n@app.command()\ndef main(): pass\napp()",
        ],
        args.runs,
        env,
    )
    print(f"minimal one-command Typer app: {floor:.0f} ms (the floor of any Typer CLI)")
    print(f"{'command':<36} {'certcli ms':>10} {'sqlite3 ms':>10} {'ratio':>6}  target")
    failed = False
    for command, baseline in BASELINES.items():
        ours = median_ms([sys.executable, "-m", "certcli", *command.split()], args.runs, env)
        code = f"DB = {str(args.db)!r}\n{baseline}"
        plain = median_ms([sys.executable, "-c", code], args.runs, env)
        ok = ours < 150 and ours <= 3 * plain
        failed |= not ok
        print(
            f"{command:<36} {ours:>10.0f} {plain:>10.0f} {ours / plain:>6.1f}  "
            f"{'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
