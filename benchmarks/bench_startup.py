"""Time certcli's everyday commands against a plain sqlite3 baseline.

    python benchmarks/bench_startup.py [--candidates 100000] [--runs 9]

Builds (once) a synthetic database with `certcli demo --size N` (N candidates,
2N dossiers, fictional names), then runs each command and the equivalent bare
`python -c "import sqlite3; ..."` query as separate processes, and prints the
medians and ratios. Targets: each command under 150 ms and within 3x of its
baseline. The figures in the README come from this script.

    python benchmarks/bench_startup.py --instructions

counts instead the instructions each whole process executes (valgrind's callgrind):
the same count whatever else the machine is doing, so the ratios to a minimal Typer
app hold on a busy machine. Targets (issue 20): reads with --json within 1.2x of that
floor, tables within 1.5x.
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


# Everyday reads, each with its ratio target to the Typer floor.
INSTRUCTION_CASES = [
    ("--help", 1.2),
    ("info --json", 1.2),
    ("candidate list --search dupont --json", 1.2),
    ("candidate list --search dupont", 1.5),
    ("dossier list --json", 1.2),
    ("dossier list", 1.5),
    ("dossier show {ref} --json", 1.2),
    ("dossier show {ref}", 1.5),
]
FLOOR = "import typer\napp = typer.Typer()\n@app.command()\ndef main(): pass\napp()"


def instructions(argv: list[str], env: dict) -> int:
    import re

    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
        cwd=ROOT,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no count for {argv}: {done.stderr[-300:]}")
    return int(found.group(1))


def count_instructions(env: dict, db: Path) -> bool:
    import sqlite3

    ref = sqlite3.connect(db).execute("SELECT ref FROM dossiers ORDER BY id LIMIT 1").fetchone()[0]
    for argv in ([sys.executable, "-c", FLOOR], [sys.executable, "-m", "certcli", "--help"]):
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)  # bytecode
    floor = instructions([sys.executable, "-c", FLOOR], env)
    print(f"minimal one-command Typer app: {floor / 1e6:.0f} M instructions (the floor)")
    print(f"{'command':<40} {'M instr.':>9} {'ratio':>6}  target")
    ok = True
    for command, target in INSTRUCTION_CASES:
        argv = [sys.executable, "-m", "certcli", *command.format(ref=ref).split()]
        # A warm-up run first, as in the timings: the caches a run keeps in the user's
        # cache folder (the scheme catalog, the records' compiled methods) are written
        # by the first run after a change, not by every run.
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
        count = instructions(argv, env)
        ratio = count / floor
        ok &= ratio <= target
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{command:<40} {count / 1e6:>9.0f} {ratio:>6.2f}  {target}x {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--db", type=Path, default=HERE / "results" / "bench.db")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (callgrind)"
    )
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
    if args.instructions:
        sys.exit(0 if count_instructions(env, args.db) else 1)
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
