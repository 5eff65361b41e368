import pytest
from commission_helpers import report_ready, session


def _refused(cli, store, date="2026-06-15"):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, date)
    cli.ok("commission", "agenda", sid, "--date", date)
    result = cli.json(
        "commission", "decide", sid, ref, "--refuse", "--reason", "insuffisant", "--date", date
    )
    return ref, result


@pytest.mark.parametrize(
    "decided, last_day, day_after",
    [
        ("2026-06-15", "2026-08-15", "2026-08-16"),
        ("2026-12-31", "2027-02-28", "2027-03-01"),  # month end clamps
        ("2027-12-31", "2028-02-29", "2028-03-01"),  # leap year
    ],
)
def test_appeal_deadline_to_the_day(cli, store, unchanged, decided, last_day, day_after):
    ref, result = _refused(cli, store, decided)
    assert result["appeal_deadline"] == last_day
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", day_after).stderr
        assert f"the appeal deadline was {last_day}" in err
    filed = cli.json("appeal", "file", ref, "--date", last_day, "--reason", "pièces omises")
    assert filed["deadline"] == last_day and filed["status"] == "appealed"
    assert cli.json("dossier", "show", ref)["status"] == "appealed"


def test_only_a_refused_dossier_can_be_appealed(cli, store, unchanged):
    ready = report_ready(cli, store)
    with unchanged():
        assert "cannot appeal" in cli.fails("appeal", "file", ready, "--date", "2026-06-20").stderr
        assert "no dossier" in cli.fails("appeal", "file", "2026-9999").stderr
    ref, _ = _refused(cli, store)
    with unchanged():
        assert (
            "before the refusal" in cli.fails("appeal", "file", ref, "--date", "2026-06-01").stderr
        )


def test_appeal_session_hears_appeals_filed_before_it(cli, store, unchanged):
    granted_ref, _ = _refused(cli, store)
    confirmed_ref, _ = _refused(cli, store)
    on_day_ref, _ = _refused(cli, store)
    cli.ok("appeal", "file", granted_ref, "--date", "2026-07-01")
    cli.ok("appeal", "file", confirmed_ref, "--date", "2026-07-02")
    cli.ok("appeal", "file", on_day_ref, "--date", "2026-08-10")
    hearing = session(cli, "2026-08-10", "appeal")
    built = cli.json("commission", "agenda", hearing, "--date", "2026-08-10")
    assert built["agenda"] == [granted_ref, confirmed_ref]
    assert built["postponed"] == [
        {
            "ref": on_day_ref,
            "reason": "too late: appeal filed on 2026-08-10, not before the session",
        }
    ]
    assert cli.json("dossier", "show", granted_ref)["status"] == "appealed"
    with unchanged():
        assert (
            "only an award commission adjourns"
            in cli.fails("commission", "decide", hearing, granted_ref, "--adjourn").stderr
        )
    granted = cli.json("commission", "decide", hearing, granted_ref, "--grant")
    assert granted["appeal_outcome"] == "granted"
    assert (granted["certificate"], granted["valid_until"]) == ("ECO-2026-0001", "2030-08-09")
    assert (granted["invoice"], granted["amount"]) == ("F-2026-00001", "150.00")
    confirmed = cli.json(
        "commission", "decide", hearing, confirmed_ref, "--refuse", "--reason", "refus confirmé"
    )
    assert confirmed["appeal_outcome"] == "confirmed" and confirmed["appeal_deadline"] is None
    assert cli.json("dossier", "show", confirmed_ref)["status"] == "refused"
    listed = {a["ref"]: a for a in cli.json("appeal", "list")}
    assert listed[granted_ref]["outcome"] == "granted"
    assert listed[confirmed_ref]["outcome"] == "confirmed"
    assert listed[confirmed_ref]["session_date"] == "2026-08-10"
    assert [a["ref"] for a in cli.json("appeal", "list", "--pending")] == [on_day_ref]
    with unchanged():
        assert (
            "the refusal is final"
            in cli.fails("appeal", "file", confirmed_ref, "--date", "2026-08-11").stderr
        )
    # The later appeals session takes the one filed on the day of the first.
    later = session(cli, "2026-10-05", "appeal")
    assert cli.json("commission", "agenda", later, "--date", "2026-10-05")["agenda"] == [on_day_ref]
    assert cli.json("dossier", "show", on_day_ref)["appeals"][0]["session"] == later


def test_appeal_decide_uses_the_session_it_is_on(cli, store, unchanged):
    ref, _ = _refused(cli, store)
    with unchanged():
        assert "no pending appeal" in cli.fails("appeal", "decide", ref, "--grant").stderr
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    with unchanged():
        assert "on no appeals session yet" in cli.fails("appeal", "decide", ref, "--grant").stderr
    hearing = session(cli, "2026-09-14", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2026-09-14")
    with unchanged():
        assert "exactly one of" in cli.fails("appeal", "decide", ref).stderr
        assert "needs --reason" in cli.fails("appeal", "decide", ref, "--refuse").stderr
    out = cli.ok("appeal", "decide", ref, "--refuse", "--reason", "confirmé").stdout
    assert "confirmed on 2026-09-14" in out
    assert cli.json("dossier", "show", ref)["appeals"][0]["outcome"] == "confirmed"
