"""The register of complaints (certcli/domain/complaints.py): added, listed, shown,
closed once, linked to the suspension or withdrawal it led to."""

from __future__ import annotations

from commission_helpers import decide_at


def _add(cli, number, date="2026-04-01", **extra):
    return cli.json(
        "complaint", "add", "--certificate", number, "--from", "SARL Dupont",
        "--text", "travaux non conformes", "--date", date,
    )  # fmt: skip


def test_add_list_show_close(cli, store, unchanged):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    added = _add(cli, number.lower())
    assert {k: added[k] for k in ("certificate", "received_on", "from", "text", "status")} == {
        "certificate": number,
        "received_on": "2026-04-01",
        "from": "SARL Dupont",
        "text": "travaux non conformes",
        "status": "open",
    }
    other = _add(cli, number, date="2026-04-02")
    assert [c["id"] for c in cli.json("complaint", "list", "--open")] == [added["id"], other["id"]]
    closed = cli.json(
        "complaint", "close", added["id"], "--outcome", "sans suite", "--date", "2026-04-20"
    )
    assert (closed["status"], closed["closed_on"], closed["linked_to"]) == (
        "closed", "2026-04-20", None
    )  # fmt: skip
    assert [c["id"] for c in cli.json("complaint", "list", "--open")] == [other["id"]]
    assert len(cli.json("complaint", "list")) == 2
    assert cli.json("complaint", "show", added["id"])["outcome"] == "sans suite"
    assert "SARL Dupont" in cli.ok("complaint", "show", added["id"]).stdout
    actions = [e["action"] for e in cli.json("log", "--entity", "complaint")]
    assert sorted(actions) == ["complaint.add", "complaint.add", "complaint.close"]
    with unchanged():
        err = cli.fails("complaint", "close", added["id"], "--outcome", "x", "--date", "2026-05-01")
        assert "already closed on 2026-04-20" in err.stderr
        assert "no complaint 99" in cli.fails("complaint", "show", "99").stderr
        assert (
            "no complaint 99"
            in cli.fails(
                "complaint", "close", "99", "--outcome", "x", "--date", "2026-05-01"
            ).stderr
        )
        assert (
            "no certificate"
            in cli.fails(
                "complaint", "add", "--certificate", "ECO-1999-9999", "--from", "x", "--text", "y"
            ).stderr
        )
        assert "before certificate" in cli.fails(
            "complaint", "add", "--certificate", number, "--from", "x", "--text", "y",
            "--date", "2026-01-01",
        ).stderr  # fmt: skip


def test_close_linked_to_a_suspension_or_the_withdrawal(cli, store, unchanged):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    first, second = _add(cli, number)["id"], _add(cli, number)["id"]
    with unchanged():
        err = cli.fails(
            "complaint", "close", first, "--outcome", "suspendu", "--suspension",
            "--date", "2026-04-10",
        )  # fmt: skip
        assert "was not suspended between 2026-04-01 and 2026-04-10" in err.stderr
        err = cli.fails(
            "complaint", "close", first, "--outcome", "x", "--suspension", "--withdrawal"
        )
        assert "cannot go together" in err.stderr
    cli.ok("certificate", "suspend", number, "--reason", "plainte", "--date", "2026-04-05")
    closed = cli.json(
        "complaint", "close", first, "--outcome", "suspendu", "--suspension", "--date", "2026-04-10"
    )
    assert closed["linked_to"]["from"] == "2026-04-05"
    with unchanged():
        err = cli.fails(
            "complaint", "close", second, "--outcome", "retiré", "--withdrawal",
            "--date", "2026-04-10",
        )  # fmt: skip
        assert "was not withdrawn" in err.stderr
    cli.ok("certificate", "withdraw", number, "--reason", "fraude", "--date", "2026-04-20")
    closed = cli.json(
        "complaint", "close", second, "--outcome", "retiré", "--withdrawal", "--date", "2026-04-21"
    )
    assert closed["linked_to"] == {"withdrawal": True}
