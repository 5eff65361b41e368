"""The outbox across a kill (certcli/letters/mail.py): `renewals remind --email` run in
a real process, killed with SIGKILL while it sends, then run again. Each holder gets
exactly one message, or, for the one message in flight at the kill, the same message
twice (one Message-ID), which the recipient's mail client drops."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import letter_records as R
import smtp_server as smtp

ROOT = Path(__file__).resolve().parent.parent
N = 30


class SlowServer(smtp.Server):
    """Takes a while over each message, so that the kill lands mid-batch."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def _run(db_path, url, out, **popen):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CERTCLI_SMTP_URL": url}
    command = [
        sys.executable,
        "-m",
        "certcli",
        "--db",
        str(db_path),
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--date",
        "2029-09-01",
        "--out",
        str(out),
        "--email",
        "--json",
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, **popen
    )


def test_killed_mid_batch_then_rerun_sends_each_message_once(store, db_path, tmp_path):
    from aiosmtpd.controller import Controller

    for i in range(N):
        c = R.candidate(store, first=f"Zoé{i}", email=f"z{i}@example.fr")
        R.certificate(store, c, f"2026-03-{1 + i * 28 // N:02d}")  # ECO-2026-0001, ...
    server = SlowServer(smtp.free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        first = _run(db_path, server.url, tmp_path / "out")
        deadline = time.monotonic() + 120
        while len(server.received) < 5 and first.poll() is None:
            assert time.monotonic() < deadline, "the batch never started sending"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        sent_before = len(server.received)
        assert first.returncode == -signal.SIGKILL
        assert 5 <= sent_before < N, "the kill did not land mid-batch"
        rerun = _run(db_path, server.url, tmp_path / "out")
        out, err = rerun.communicate(timeout=180)
        assert rerun.returncode == 0, err
    finally:
        controller.stop()
    by_recipient = collections.defaultdict(list)
    for got in server.received:
        by_recipient[got["To"]].append(got["Message-ID"])
    assert sorted(by_recipient) == sorted(f"z{i}@example.fr" for i in range(N))
    twice = {to: ids for to, ids in by_recipient.items() if len(ids) > 1}
    assert len(twice) <= 1, twice  # only the one in flight at the kill
    for ids in twice.values():
        assert len(ids) == 2 and ids[0] == ids[1]  # the same message
    assert len({m for ids in by_recipient.values() for m in ids}) == N
    statuses = [r["status"] for r in store.all("SELECT status FROM outbox")]
    assert statuses == ["sent"] * N
    assert store.scalar("SELECT count(*) FROM reminders") == N
