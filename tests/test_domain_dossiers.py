from conftest import add_candidate


def test_open_dossier_refs_are_per_year(cli):
    cid = add_candidate(cli)
    first = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01"
    )
    assert first["ref"] == "2026-0001"
    assert {"ref", "candidate_id", "scheme", "kind", "status"} <= first.keys()
    assert first["status"] == "submitted" and first["kind"] == "initial"
    second = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "PROG", "--date", "2026-03-02"
    )
    assert second["ref"] == "2026-0002"
    third = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "02/01/2027", "--force"
    )
    assert third["ref"] == "2027-0001"


def test_dossier_list_filters(cli):
    cid = add_candidate(cli)
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "ECO")
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "PROG")
    cli.ok(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--financing",
        "plan-formation",
    )
    assert len(cli.json("dossier", "list")) == 3
    assert [d["scheme"] for d in cli.json("dossier", "list", "--scheme", "prog")] == ["PROG"]
    assert cli.json("dossier", "list", "--status", "instruction") == []
    assert "unknown status" in cli.fails("dossier", "list", "--status", "nope").stderr


def test_dossier_show_has_history(cli):
    cid = add_candidate(cli)
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "ECO",
        "--as",
        "marie",
        "--date",
        "2026-05-04",
    )["ref"]
    data = cli.json("dossier", "show", ref)
    assert data["history"][0] == {
        "date": "2026-05-04",
        "event": "opened",
        "details": {"scheme": "ECO", "kind": "initial"},
        "by": "marie",
    }
    assert "check" in data["allowed_actions"]


def test_dossier_add_refusals_write_nothing(cli, unchanged):
    cid = add_candidate(cli)
    with unchanged():
        assert (
            "unknown scheme"
            in cli.fails("dossier", "add", "--candidate", cid, "--scheme", "XYZ").stderr
        )
        assert (
            "no candidate"
            in cli.fails("dossier", "add", "--candidate", 99, "--scheme", "ECO").stderr
        )
        assert (
            "--certificate"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--kind", "renewal"
            ).stderr
        )
        assert (
            "--route" in cli.fails("dossier", "add", "--candidate", cid, "--scheme", "CQPT").stderr
        )
        assert (
            "CQPT"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--route", "libre"
            ).stderr
        )
        assert (
            "invalid kind"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--kind", "weird"
            ).stderr
        )
