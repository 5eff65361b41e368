"""Renewal reminders at scale: N certificates due, rendered as N PDFs, as one
combined PDF, and as N HTML files (each run records its reminders, as for real).

    python benchmarks/bench_letters.py [N]      (default 1000)

Targets for N=1000 on the reference machine: combined PDF < 10 s, separate
PDFs < 60 s, HTML < 2 s (scaled linearly for another N). A combined PDF of
100 letters or more is laid out on every core (certcli.letters.render.PDF_PARALLEL_MIN);
the run prints the cores it had. WeasyPrint needs libharfbuzz-subset0 to subset fonts
quickly (without it, fontTools is used and separate PDFs are ~4x slower).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certcli import demo
from certcli.letters import pdf, reminders
from certcli.rules import dates  # noqa: E402
from certcli.store import Store  # noqa: E402

AS_OF = dt.date(2029, 9, 1)
TARGETS = {"html": 2.0, "combined-pdf": 10.0, "separate-pdf": 60.0}  # seconds for N=1000


def generate(path: Path, n: int) -> None:
    """N holders whose certificates (granted in March-May 2026) are due on AS_OF."""
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


def run(template_db: Path, work: Path, label: str, **options) -> dict:
    db = work / f"{label}.db"
    shutil.copy(template_db, db)
    out = work / label
    store = Store(db)
    store.actor = "bench"
    start = time.perf_counter()
    done = reminders.remind(store, as_of=AS_OF, months=9, date=AS_OF, out_dir=out, **options)
    seconds = time.perf_counter() - start
    recorded = store.scalar("SELECT count(*) FROM reminders")
    store.close()
    result = {
        "case": label,
        "letters": len(done.reminded),
        "recorded": recorded,
        "files": len(done.files),
        "seconds": round(seconds, 2),
    }
    if options.get("one_file") and options.get("fmt") == "pdf":
        from pypdf import PdfReader

        result["pages"] = len(PdfReader(done.files[0]).pages)
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory(prefix="certcli-bench-") as tmp:
        work = Path(tmp)
        template_db = work / "template.db"
        generate(template_db, n)
        results = [
            run(template_db, work, "html", fmt="html"),
            run(template_db, work, "combined-pdf", fmt="pdf", one_file=True),
            run(template_db, work, "separate-pdf", fmt="pdf"),
        ]
    print(f"N={n}, {pdf.cores()} core(s)", file=sys.stderr)
    for r in results:
        r["target"] = round(TARGETS[r["case"]] * n / 1000, 2)
        verdict = "met" if r["seconds"] < r["target"] else "MISSED"
        print(
            f"{r['case']:>13}: {r['letters']} letters, {r['files']} file(s), "
            f"{r['seconds']:6.2f} s (target < {r['target']:.2f} s: {verdict})",
            file=sys.stderr,
        )
    print(json.dumps({"n": n, "cores": pdf.cores(), "results": results}))


if __name__ == "__main__":
    main()
