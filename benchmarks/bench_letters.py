"""Renewal reminders at scale, next to bare WeasyPrint on the same HTML.

    python benchmarks/bench_letters.py [N] [--rounds R] [--json]     (default N=1000, R=3)
    python benchmarks/bench_letters.py N --instructions              (callgrind, once each)
    python benchmarks/bench_letters.py N --cases combined-html,separate-html   (some cases)

N certificates due, reminded (and recorded, as for real) five ways, each run a
fresh process on a fresh copy of the same office:

- bare-pdf: `weasyprint.HTML(filename=...).write_pdf(...)` on the combined HTML
  document certcli writes for the same letters (`--one-file --format html`,
  generated once beforehand): the floor for one combined PDF;
- combined-pdf: `renewals remind --one-file` (one PDF of every letter);
- separate-pdf: `renewals remind` (one PDF a letter);
- combined-html, separate-html: the same with `--format html`.

The cases run interleaved (round 1: every case once, round 2: again...), so a
change in the machine's load touches them all alike. Each run reports CPU time
(user + system, its workers included) and wall time, both of the work alone (from
before the first import of certcli or WeasyPrint to the file written, measured in
the process) and of the whole process (interpreter start-up included, measured
from here). On a machine whose cores are shared, CPU time is the figure to
compare: wall time also measures the others' load. The table gives medians and
min-max over the rounds, and the ratios (combined-pdf / bare-pdf, separate /
combined) of each round, their median and min-max.

Targets (issue 20): combined PDF <= 1.1x bare WeasyPrint; separate files <= 2x
one combined file (HTML and PDF). A combined PDF of
certcli.letters.render.PDF_PARALLEL_MIN letters or more is laid out on every core;
the run prints the cores it had. WeasyPrint needs libharfbuzz-subset0 to subset
fonts quickly (without it fontTools is used and a PDF costs ~3.6x).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2029, 9, 1)
CASES = ("bare-pdf", "combined-pdf", "separate-pdf", "combined-html", "separate-html")
RATIOS = {
    "combined-pdf / bare-pdf": ("combined-pdf", "bare-pdf", 1.1),
    "separate-pdf / combined-pdf": ("separate-pdf", "combined-pdf", 2.0),
    "separate-html / combined-html": ("separate-html", "combined-html", 2.0),
}


def generate(path: Path, n: int) -> None:
    """N holders whose certificates (granted in March-May 2026) are due on AS_OF."""
    from certcli import demo
    from certcli.rules import dates
    from certcli.store import Store

    store = Store(path, create=True)
    rng = random.Random(7)
    with store.transaction():
        for i in range(1, n + 1):
            p = demo._person(rng, i)
            cid = store.insert(
                "candidates",
                {
                    "civility": p["civility"],
                    "first_name": p["first_name"],
                    "last_name": p["last_name"],
                    "address": p["address"],
                    "postcode": p["postcode"],
                    "city": p["city"],
                    "email": p["email"],
                    "created_on": "2026-01-01",
                },
            )
            granted = dt.date(2026, 3, 1) + dt.timedelta(days=i % 90)
            cert = store.insert(
                "certificates",
                {
                    "number": f"ECO-2026-{i:05d}",
                    "candidate_id": cid,
                    "scheme": "ECO",
                    "granted_on": granted.isoformat(),
                },
            )
            store.insert(
                "certificate_periods",
                {
                    "certificate_id": cert,
                    "start": granted.isoformat(),
                    "end": dates.validity_end(granted, 4).isoformat(),
                },
            )
    store.close()


def _cpu() -> tuple[float, float]:
    """User and system CPU time of this process and of its children waited for (the
    PDF workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def one(case: str, db: Path, out: Path, html: Path) -> dict:
    """One run of `case`, in this (fresh) process: the work's CPU and wall time."""
    cpu, wall = _cpu(), time.perf_counter()
    if case == "bare-pdf":
        import weasyprint

        target = out / "bare.pdf"
        out.mkdir()
        weasyprint.HTML(filename=str(html), base_url=str(ROOT / "templates")).write_pdf(target)
        files, letters = 1, None
    else:
        from certcli.letters import reminders
        from certcli.store import Store

        store = Store(db)
        store.actor = "bench"
        done = reminders.remind(
            store,
            as_of=AS_OF,
            months=9,
            date=AS_OF,
            out_dir=out,
            fmt=case.rpartition("-")[2],
            one_file=case.startswith("combined"),
        )
        store.close()
        files, letters = len(done.files), len(done.reminded)
    user, system = (after - before for after, before in zip(_cpu(), cpu, strict=True))
    return {
        "cpu": user + system,
        "user": user,
        "system": system,
        "wall": time.perf_counter() - wall,
        "files": files,
        "letters": letters,
    }


def run(
    case: str, template_db: Path, work: Path, html: Path, i: int, *, callgrind: bool = False
) -> dict:
    """`case` in a fresh process on a fresh copy of the office; `callgrind`: under
    valgrind, the instructions of the whole process (its PDF workers included)."""
    db = work / f"{case}-{i}.db"
    out = work / f"{case}-{i}"
    shutil.copy(template_db, db)
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cpu, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run(
        [
            *(valgrind if callgrind else []),
            sys.executable,
            __file__,
            "--one",
            case,
            str(db),
            str(out),
            str(html),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{case} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if callgrind:
        import re

        # one count per process: the run's and each forked worker's
        counts = re.findall(r"Collected : (\d+)", proc.stderr)
        result["instructions"] = sum(int(c) for c in counts)
    result["process_cpu"] = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    result["process_wall"] = wall
    # The run's files are kept until the end: on ext4 without a journal (this
    # machine's), a file created within 30 s of many deletions costs the kernel a
    # scan past the recently freed inodes, which would charge one run's thousand
    # new files with the previous run's deletions.
    return result


def combined_html(template_db: Path, work: Path) -> Path:
    """The one HTML document of every letter, as certcli lays it out."""
    from certcli.letters import reminders
    from certcli.store import Store

    db = work / "html.db"
    shutil.copy(template_db, db)
    store = Store(db)
    done = reminders.remind(
        store,
        as_of=AS_OF,
        months=9,
        date=AS_OF,
        out_dir=work / "html",
        fmt="html",
        one_file=True,
        dry_run=True,
    )
    store.close()
    return done.files[0]


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summary(runs: dict[str, list[dict]]) -> dict:
    cases = {
        case: {
            key: _spread([r[key] for r in results])
            for key in ("cpu", "user", "system", "wall", "process_cpu", "process_wall")
        }
        for case, results in runs.items()
    }
    ratios = {}
    for name, (a, b, target) in RATIOS.items():
        if a not in runs or b not in runs:
            continue  # a case not run (--cases)
        ratios[name] = {
            key: _spread([x[key] / y[key] for x, y in zip(runs[a], runs[b], strict=True)])
            for key in ("cpu", "user", "wall", "process_cpu")
        }
        ratios[name]["target"] = target
    return {"cases": cases, "ratios": ratios}


def _fmt(spread: dict, unit: str = " s") -> str:
    return f"{spread['median']:.2f}{unit} ({spread['min']:.2f}-{spread['max']:.2f})"


def count_instructions(n: int, json_out: bool) -> None:
    """Each case once under callgrind: unlike time, the count does not move when
    the machine is busy."""
    with tempfile.TemporaryDirectory(prefix="certcli-bench-") as tmp:
        work = Path(tmp)
        template_db = work / "template.db"
        generate(template_db, n)
        html = combined_html(template_db, work)
        counts = {}
        for case in CASES:
            counts[case] = run(case, template_db, work, html, 0, callgrind=True)["instructions"]
            print(f"{case:>13}: {counts[case] / 1e6:,.0f} M instructions", file=sys.stderr)
    for name, (a, b, target) in RATIOS.items():
        ratio = counts[a] / counts[b]
        verdict = "met" if ratio <= target else "MISSED"
        print(f"{name}: {ratio:.2f}x (target <= {target}x: {verdict})", file=sys.stderr)
    if json_out:
        print(json.dumps({"n": n, "instructions": counts}))


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="letters (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count each case's instructions once under callgrind (slow: try N=100)",
    )
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"the cases to run, separated by commas (default {','.join(CASES)})",
    )
    parser.add_argument("--one", nargs=4, metavar=("CASE", "DB", "OUT", "HTML"), help="internal")
    options = parser.parse_args()
    if options.one:
        case, db, out, html = options.one
        print(json.dumps(one(case, Path(db), Path(out), Path(html))))
        return
    n, rounds, json_out = options.n, options.rounds, options.json
    cases = tuple(c for c in options.cases.split(",") if c)
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)} (from {', '.join(CASES)})")
    if options.instructions:
        count_instructions(n, json_out)
        return
    from certcli.letters import pdf

    with tempfile.TemporaryDirectory(prefix="certcli-bench-") as tmp:
        work = Path(tmp)
        template_db = work / "template.db"
        generate(template_db, n)
        html = combined_html(template_db, work)
        runs: dict[str, list[dict]] = {case: [] for case in cases}
        for i in range(rounds):
            for case in cases:  # interleaved: A B C D E, A B C D E...
                result = run(case, template_db, work, html, i)
                runs[case].append(result)
                print(
                    f"round {i + 1}/{rounds} {case:>13}: CPU {result['cpu']:6.2f} s, "
                    f"wall {result['wall']:6.2f} s, {result['files']} file(s)",
                    file=sys.stderr,
                    flush=True,
                )
    done = summary(runs)
    load = os.getloadavg()[0]
    print(f"\nN={n}, {rounds} rounds, {pdf.cores()} core(s), load {load:.1f}", file=sys.stderr)
    print(
        "case: CPU (user, system), wall of the work; CPU, wall of the whole process: "
        "median (min-max)",
        file=sys.stderr,
    )
    for case, spread in done["cases"].items():
        print(
            f"{case:>13}: {_fmt(spread['cpu'])} ({spread['user']['median']:.2f} + "
            f"{spread['system']['median']:.2f}), {_fmt(spread['wall'])}; "
            f"{_fmt(spread['process_cpu'])}, {_fmt(spread['process_wall'])}",
            file=sys.stderr,
        )
    for name, ratio in done["ratios"].items():
        verdict = "met" if ratio["cpu"]["median"] <= ratio["target"] else "MISSED"
        print(
            f"{name}: CPU {_fmt(ratio['cpu'], 'x')}, user {_fmt(ratio['user'], 'x')}, "
            f"wall {_fmt(ratio['wall'], 'x')}, "
            f"process CPU {_fmt(ratio['process_cpu'], 'x')} "
            f"(target <= {ratio['target']}x on CPU: {verdict})",
            file=sys.stderr,
        )
    if json_out:
        print(json.dumps({"n": n, "rounds": rounds, "cores": pdf.cores(), **done}))


if __name__ == "__main__":
    main()
