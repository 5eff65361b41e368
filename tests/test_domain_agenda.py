"""Agendas (certcli/domain/agenda.py): the cutoff, order and capacity, which dossiers
go to which session, what a withdrawal frees, adjourned dossiers and appeals."""

from commission_helpers import new_candidate, report_ready, session
from test_domain_cqpt import cqpt_dossier, evaluate, evaluator
from test_domain_cqpt import session as cpne_session


def test_an_agenda_skips_a_dossier_whose_status_changed_after_the_session(cli, store):
    ref = report_ready(cli, store, report_on="2026-04-01", opened="2026-02-01")
    later = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", later, "--date", "2026-06-15")
    cli.ok("commission", "decide", later, ref, "--adjourn", "--date", "2026-06-15")
    earlier = session(cli, "2026-05-20")
    built = cli.json("commission", "agenda", earlier, "--date", "2026-05-20")
    assert built["agenda"] == []
    assert built["postponed"] == [
        {
            "ref": ref,
            "reason": "its status last changed on "
            "2026-06-15, after the session: place it on a later "
            "session",
        }
    ]


def test_agenda_cutoff_boundary_order_and_capacity(cli, store, unchanged):
    sid = session(cli, "2026-06-30", capacity=2)
    boundary = report_ready(cli, store, report_on="2026-06-15")  # exactly 15 days before
    late = report_ready(cli, store, report_on="2026-06-16")  # 14 days: too late
    older = report_ready(cli, store, report_on="2026-06-10")
    built = cli.json("commission", "agenda", sid, "--date", "2026-06-30")
    assert built["session"] == sid
    assert built["agenda"] == [older, boundary]  # oldest report first
    assert built["postponed"] == [
        {
            "ref": late,
            "reason": "too late: report in on 2026-06-16, "
            "needed by 2026-06-15 (15 days before the session)",
        }
    ]
    shown = cli.json("dossier", "show", boundary)
    assert shown["status"] == "on_agenda"
    assert shown["history"][-1]["event"] == "agenda"
    assert shown["history"][-1]["date"] == "2026-06-30"  # dated on the session day
    assert cli.json("dossier", "show", late)["status"] == "report_ready"
    # A fourth dossier in time: the session is full; rebuilding keeps the first two.
    oldest = report_ready(cli, store, report_on="2026-05-01")
    with unchanged():
        again = cli.json("commission", "agenda", sid, "--date", "2026-06-30")
    assert again["agenda"] == [older, boundary]
    assert {p["ref"]: p["reason"] for p in again["postponed"]} == {
        oldest: "capacity full: the session takes 2 dossiers",
        late: built["postponed"][0]["reason"],
    }
    assert cli.json("dossier", "show", oldest)["status"] == "report_ready"
    # The next session takes both.
    nxt = session(cli, "2026-09-30")
    assert cli.json("commission", "agenda", nxt, "--date", "2026-09-30")["agenda"] == [oldest, late]


def test_only_opqtecc_dossiers_in_report_ready_go_to_an_award_session(cli, store):
    sid = session(cli, "2026-06-30")
    ready = report_ready(cli, store, scheme="PROG", report_on="2026-06-01")
    cid = new_candidate(cli)
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "ECO")  # still submitted
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-30")["agenda"] == [ready]


def test_adjourned_dossier_goes_to_a_later_session(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-20")
    first = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", first, "--date", "2026-06-15")
    adjourned = cli.json(
        "commission", "decide", first, ref, "--adjourn", "--reason", "entretien à compléter"
    )
    assert adjourned["decision"] == "adjourned" and adjourned["certificate"] is None
    assert cli.json("dossier", "show", ref)["status"] == "adjourned"
    rebuilt = cli.json("commission", "agenda", first, "--date", "2026-06-15")
    assert rebuilt["postponed"] == [{"ref": ref, "reason": "adjourned at this session"}]
    second = session(cli, "2026-09-30")
    assert cli.json("commission", "agenda", second, "--date", "2026-09-30")["agenda"] == [ref]
    granted = cli.json("commission", "decide", second, ref, "--grant")
    assert granted["certificate"] == "ECO-2026-0001" and granted["amount"] == "120.00"


# -- withdrawal before the session --------------------------------------------------
def test_a_dossier_on_the_agenda_can_be_withdrawn_before_the_session(cli, store, unchanged):
    sid = session(cli, "2026-06-30", capacity=1)
    first = report_ready(cli, store, report_on="2026-05-20")
    second = report_ready(cli, store, report_on="2026-05-25")
    built = cli.json("commission", "agenda", sid, "--date", "2026-06-01")
    assert (built["agenda"], built["built_on"]) == ([first], "2026-06-01")
    assert built["postponed"] == [
        {"ref": second, "reason": "capacity full: the session takes 1 dossiers"}
    ]
    # The agenda step is dated on the session day (SPEC §8), yet the dossier can still
    # be withdrawn before the session.
    step = cli.json("dossier", "show", first)["history"][-1]
    assert (step["event"], step["date"], step["details"]["session_date"]) == (
        "agenda",
        "2026-06-30",
        "2026-06-30",
    )

    done = cli.json("dossier", "withdraw", first, "--reason", "courrier", "--date", "2026-06-10")
    assert (done["status"], done["removed_from_agenda"]) == ("withdrawn", [sid])
    assert cli.json("commission", "list")[0]["on_agenda"] == 0
    # On no agenda now; the line stays, for the agenda's history (issue 11).
    assert cli.json("dossier", "show", first)["sessions"][0]["status"] == "withdrawn"
    with unchanged():
        assert (
            f"dossier {first} left the agenda of session {sid} (withdrawn)"
            in cli.fails(
                "commission", "decide", sid, first, "--grant", "--date", "2026-06-30"
            ).stderr
        )
    # Its place is free again: the next build takes the second dossier.
    again = cli.json("commission", "agenda", sid, "--date", "2026-06-12")
    assert (again["agenda"], again["added"], again["postponed"]) == ([second], [second], [])
    granted = cli.json("commission", "decide", sid, second, "--grant", "--date", "2026-06-30")
    assert granted["certificate"] == "ECO-2026-0001"


def test_agenda_date_rules(cli, store, unchanged):
    sid = session(cli, "2026-06-30")
    ref = report_ready(cli, store, report_on="2026-05-20", opened="2026-05-01")
    # Built before the dossier's last status change (its report here): not placed.
    with unchanged():
        early = cli.json("commission", "agenda", sid, "--date", "2026-04-20")
    assert early["postponed"] == [
        {
            "ref": ref,
            "reason": (
                "its status last changed on 2026-05-20, after this agenda's date (2026-04-20): "
                "build the agenda with --date 2026-05-20 or later"
            ),
        }
    ]
    # Built after the session (catching up): dated on the session day.
    late = cli.json("commission", "agenda", sid, "--date", "2026-07-03")
    assert (late["agenda"], late["built_on"]) == ([ref], "2026-06-30")
    assert cli.json("dossier", "show", ref)["history"][-1]["date"] == "2026-06-30"


def test_appeal_agenda_skips_an_appeal_filed_after_its_date(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2026-06-15")
    cli.ok("appeal", "file", ref, "--date", "2026-07-10")
    hearing = session(cli, "2026-09-14", "appeal")
    built = cli.json("commission", "agenda", hearing, "--date", "2026-07-01")
    assert built["postponed"] == [
        {
            "ref": ref,
            "reason": (
                "appeal filed on 2026-07-10, after this agenda's date (2026-07-01): "
                "build the agenda with --date 2026-07-10 or later"
            ),
        }
    ]
    assert cli.json("commission", "agenda", hearing, "--date", "2026-07-10")["agenda"] == [ref]
    # Withdrawn while its appeal waits: off the appeals agenda, no longer pending.
    cli.ok("dossier", "withdraw", ref, "--date", "2026-08-01")
    assert cli.json("commission", "agenda", hearing, "--date", "2026-08-01")["agenda"] == []
    assert cli.json("appeal", "list", "--pending") == []
    assert cli.json("appeal", "list")[0]["session"] is None


def test_a_withdrawn_cqpt_dossier_frees_its_cpne_place(cli, store, unchanged):
    ev, sid = evaluator(cli), cpne_session(store, capacity=1)
    first, second = (cqpt_dossier(cli, store, last=name) for name in ("Un", "Deux"))
    for ref in (first, second):
        evaluate(cli, ref, ev)
    cli.ok("cqpt", "transmit", first, "--session", sid, "--date", "2026-06-01")
    with unchanged():
        assert (
            f"session {sid} is full (1 of 1)"
            in cli.fails(
                "cqpt", "transmit", second, "--session", sid, "--date", "2026-06-01"
            ).stderr
        )
    assert cli.json("dossier", "withdraw", first, "--date", "2026-06-02")[
        "removed_from_agenda"
    ] == [sid]
    assert store.dossier(first)["session_id"] is None
    cli.ok("cqpt", "transmit", second, "--session", sid, "--date", "2026-06-03")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-03")["agenda"] == [second]


def test_capacity_ignores_lines_of_withdrawn_dossiers(cli, store):
    """An agenda line left by a withdrawal recorded before this rule takes no place."""
    sid = session(cli, "2026-06-30", capacity=1)
    ref = report_ready(cli, store, report_on="2026-05-20")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    with store.transaction():
        store.execute("UPDATE dossiers SET status = 'withdrawn' WHERE ref = ?", (ref,))
    assert store.agenda_taken(sid) == 0  # award and CPNE capacity both count this
    other = report_ready(cli, store, report_on="2026-05-21")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-02")["added"] == [other]
