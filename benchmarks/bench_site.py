"""`certcli directory site` on a big office, and the search page's keystroke in Chromium.

    python benchmarks/generate.py 30000 /tmp/office-30k.db     (once: 10,000 certificates)
    python benchmarks/bench_site.py /tmp/office-30k.db

Works on a copy of the database where every holder consented to the directory (so the
10,000 certificates of a 30,000-candidate office are all candidates for a page), with a
verification key beside it (status.json then carries every period's code digest).
Runs `python -m certcli directory site` as a whole process RUNS times, each into a new
folder (median, min-max of CPU and wall time; the documents' PDFs included), then opens
index.html from the folder in Debian's headless Chromium (Playwright) and types
"beregovoy" then deletes it, one key every 100 ms: per keystroke, the time from keydown
to the frame after the results are redrawn (requestAnimationFrame, then a task), median
and worst.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("RUNS", "3"))
DATE = "2026-11-25"
PROBE = """() => {
  window.__lat = [];
  const q = document.getElementById("q");
  q.addEventListener("keydown", () => { window.__t0 = performance.now(); }, true);
  q.addEventListener("input", () => {
    requestAnimationFrame(() => setTimeout(() => {
      window.__lat.push(performance.now() - window.__t0);
    }, 0));
  });
}"""


def site(db: Path, out: Path) -> tuple[float, float]:
    """(wall, CPU seconds) of one whole process writing the site into a new folder."""
    start = time.perf_counter()
    with open(os.devnull, "w") as null:
        proc = subprocess.Popen(
            [sys.executable, "-m", "certcli", "--db", str(db), "directory", "site",
             "--out", str(out), "--date", DATE],
            stdout=null,
        )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("directory site failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def keystrokes(index: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page()
        page.goto(index.as_uri())
        page.evaluate(PROBE)
        page.focus("#q")
        word = "beregovoy"
        for char in word:
            page.keyboard.type(char)
            page.wait_for_timeout(100)
        for _ in word:
            page.keyboard.press("Backspace")
            page.wait_for_timeout(100)
        latencies = page.evaluate("window.__lat")
        browser.close()
    return latencies


def main(source: Path) -> None:
    from certcli.domain import verification
    from certcli.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "office.db"
        shutil.copy(source, db)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE candidates SET directory_consent = 1")
        store = Store(db)
        verification.ensure_key(store)
        store.close()
        runs = [site(db, Path(tmp) / f"site-{n}") for n in range(RUNS)]
        out = Path(tmp) / "site-0"
        holders = len(list((out / "titulaires").iterdir()))
        status = (out / "status.json").stat().st_size / 1e6
        wall, cpu = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"directory site: {holders} holder pages, status.json {status:.1f} MB, "
            f"annuaire.js {(out / 'annuaire.js').stat().st_size / 1e6:.1f} MB, {RUNS} runs: "
            f"CPU {statistics.median(cpu):.2f} s ({min(cpu):.2f}-{max(cpu):.2f}), "
            f"wall {statistics.median(wall):.2f} s ({min(wall):.2f}-{max(wall):.2f}); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        lat = keystrokes(out / "index.html")
        print(
            f"search keystroke in Chromium ({len(lat)} keys over {holders} holders): "
            f"median {statistics.median(lat):.1f} ms, worst {max(lat):.1f} ms"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
