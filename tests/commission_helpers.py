"""Test helpers for the commission stage.

The instruction steps (receive/check/assign/report) are built elsewhere: here a
dossier is brought to `report_ready` by writing its columns through the store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from builders import add_candidate

_names = itertools.count(1)


def new_candidate(cli, **extra) -> int:
    """An eligible OPQTECC candidate (status, specialties, experience) by default."""
    n = next(_names)
    extra.setdefault("eligible", True)
    return add_candidate(
        cli, extra.pop("first", f"Prénom{n}"), extra.pop("last", f"Nom{n}"), **extra
    )


def report_ready(
    cli,
    store,
    *,
    scheme="ECO",
    report_on="2026-05-20",
    mentions=(),
    kind="initial",
    certificate=None,
    mention=None,
    candidate=None,
    opened="2026-01-05",
) -> str:
    """Open a dossier and write the columns a recorded report would set."""
    cid = candidate or new_candidate(cli)
    args = [
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        scheme,
        "--kind",
        kind,
        "--date",
        opened,
    ]
    if certificate:
        args += ["--certificate", certificate]
    if mention:
        args += ["--mention", mention]
    ref = cli.json(*args)["ref"]
    with store.transaction():
        store.execute(
            "UPDATE dossiers SET status = 'report_ready', report_on = ?, "
            "recommendation = 'grant', report_mentions = ? WHERE ref = ?",
            (report_on, json.dumps(list(mentions)), ref),
        )
    return ref


def session(cli, date: str, kind: str = "award", capacity: int | None = None) -> int:
    """A session on `date`. Tests choose their days for the calendar arithmetic
    (1 January, month ends): on a weekend or a public holiday the session is held
    anyway with --force, as the secretariat would."""
    from certcli.rules import dates

    args = ["commission", "add", "--date", date, "--kind", kind]
    if dates.closed_reason(dt.date.fromisoformat(date)):
        args.append("--force")
    if capacity:
        args += ["--capacity", capacity]
    return cli.json(*args)["id"]


def decide_at(cli, store, date: str, decision: str = "--grant", *extra, ref=None, **ready) -> dict:
    """A dossier reported 30 days before `date`, placed on a new session that day and
    decided there; returns the decide JSON."""
    day = dt.date.fromisoformat(date)
    if ref is None:
        ready.setdefault("report_on", (day - dt.timedelta(days=30)).isoformat())
        ready.setdefault("opened", (day - dt.timedelta(days=60)).isoformat())
        ref = report_ready(cli, store, **ready)
    sid = session(cli, date)
    assert ref in cli.json("commission", "agenda", sid, "--date", date)["agenda"]
    if "--date" not in extra:
        extra = (*extra, "--date", date)  # recorded on the session day
    return cli.json("commission", "decide", sid, ref, decision, *extra)


def transmit_cqpt(cli, store, session_id: int, candidate=None) -> str:
    """What the CQPT transmission does: status transmitted, session set, agenda row."""
    cid = candidate or new_candidate(cli)
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "contrat-pro",
        "--financing",
        "contrat-pro",
        "--date",
        "2026-01-10",
    )["ref"]
    with store.transaction():
        row = store.dossier(ref)
        store.update("dossiers", row["id"], {"status": "transmitted", "session_id": session_id})
        store.insert(
            "agenda_items", {"session_id": session_id, "dossier_id": row["id"], "position": 1}
        )
    return ref
