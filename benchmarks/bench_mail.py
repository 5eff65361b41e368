"""Renewal reminders by e-mail: `renewals remind --email` for N holders against a
local SMTP server (aiosmtpd, in a process of its own), against the same run
without --email (both render N separate PDFs and record the reminders).

    python benchmarks/bench_mail.py [N] [ROUNDS]      (default 1000, 1)

Target: the e-mail run under 1.5x the run without it. Each round runs both on a
fresh copy of one generated office, the plain run first; the figure is the ratio
of the medians.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_letters import AS_OF, generate  # noqa: E402

from certcli.letters import pdf, reminders  # noqa: E402
from certcli.store import Store  # noqa: E402

TARGET = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the SMTP server did not start")


def run(template_db: Path, work: Path, label: str, email: bool) -> dict:
    db = work / f"{label}.db"
    shutil.copy(template_db, db)
    store = Store(db)
    store.actor = "bench"
    start = time.perf_counter()
    done = reminders.remind(
        store, as_of=AS_OF, months=9, date=AS_OF, out_dir=work / label, fmt="pdf", email=email
    )
    seconds = time.perf_counter() - start
    sent = store.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'")
    store.close()
    return {"case": label, "letters": len(done.reminded), "emailed": sent, "seconds": seconds}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    port = free_port()
    server = start_server(port)
    os.environ["CERTCLI_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory(prefix="certcli-bench-mail-") as tmp:
            work = Path(tmp)
            template_db = work / "template.db"
            generate(template_db, n)
            Store(template_db).close()  # migrated to this version's schema
            plain, mailed = [], []
            for i in range(rounds):
                plain.append(run(template_db, work, f"plain-{i}", email=False))
                mailed.append(run(template_db, work, f"email-{i}", email=True))
    finally:
        server.kill()
        server.wait()
    assert all(r["emailed"] == n for r in mailed), mailed
    a = statistics.median(r["seconds"] for r in plain)
    b = statistics.median(r["seconds"] for r in mailed)
    ratio = b / a
    verdict = "met" if ratio < TARGET else "MISSED"
    print(
        f"N={n}, {pdf.cores()} core(s), {rounds} round(s): without --email {a:.2f} s, "
        f"with --email {b:.2f} s ({n} messages sent): {ratio:.2f}x (target < {TARGET}x: "
        f"{verdict})",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {"n": n, "plain_s": round(a, 2), "email_s": round(b, 2), "ratio": round(ratio, 3)}
        )
    )


if __name__ == "__main__":
    main()
