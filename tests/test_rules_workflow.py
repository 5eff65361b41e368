"""The state machine of instruction as a table: for every status, which of the
instruction actions the CLI accepts; every other one is refused with the status
and what it allows, and writes nothing."""

import datetime as dt

import pytest
from instruction_helpers import candidate, open_dossier

from certcli.domain import assignment, dossiers, instruction, instructors, reception
from certcli.errors import StateError
from certcli.rules import workflow

# Written out by hand (not derived from workflow.TRANSITIONS) so that a change to
# the state machine has to be a deliberate change here too.
OPQTECC_ALLOWED = {
    "submitted": {"receive", "unreceive", "pay", "check", "withdraw", "refund"},
    "incomplete": {"receive", "unreceive", "pay", "check", "withdraw", "refund"},
    "complete": {"receive", "unreceive", "pay", "withdraw", "refund"},
    "instruction": {
        "receive",
        "unreceive",
        "pay",
        "assign",
        "expert",
        "request",
        "interview",
        "report",
        "withdraw",
        "refund",
    },
    "waiting": {
        "receive",
        "unreceive",
        "pay",
        "assign",
        "expert",
        "request",
        "interview",
        "withdraw",
        "refund",
    },
    "report_ready": {"pay", "withdraw", "refund"},
    "on_agenda": {"pay", "withdraw", "refund"},
    "adjourned": {
        "receive",
        "unreceive",
        "pay",
        "assign",
        "expert",
        "request",
        "interview",
        "report",
        "withdraw",
        "refund",
    },
    "granted": {"refund"},
    "refused": {"refund"},
    "appealed": {"withdraw", "refund"},
    "admissible": {"withdraw", "refund"},
    "inadmissible": {"refund"},
    "evaluation": {"withdraw", "refund"},
    "transmitted": {"withdraw", "refund"},
    "withdrawn": {"refund"},
}

DAY = dt.date(2026, 6, 15)

# Each action through the domain (the CLI calls exactly these): the table runs
# 9 actions x 16 statuses, too many for in-process CLI runs at ~35 ms each.
ACTIONS = {
    "receive": lambda s, ref, p: reception.receive(s, ref, ["administratif"], date=DAY),
    "unreceive": lambda s, ref, p: reception.unreceive(
        s, ref, "administratif", reason="test", date=DAY
    ),
    "refund": lambda s, ref, p: (
        s.insert(
            "payments",
            {
                "dossier_id": s.dossier(ref)["id"],
                "amount": "50.00",
                "method": "cheque",
                "paid_on": "2026-06-15",
            },
        ),
        reception.refund(s, ref, amount="50.00", method="cheque", reason="test", date=DAY),
    ),
    "pay": lambda s, ref, p: reception.pay(s, ref, amount="10.00", method="cheque", date=DAY),
    "check": lambda s, ref, p: reception.check(s, ref, date=DAY),
    "assign": lambda s, ref, p: assignment.assign(s, ref, instructor_id=p["other"], date=DAY),
    "expert": lambda s, ref, p: assignment.call_expert(s, ref, expert_id=p["expert"], date=DAY),
    "request": lambda s, ref, p: instruction.request(
        s, ref, items="Attestation", due=dt.date(2026, 7, 15), date=DAY
    ),
    "interview": lambda s, ref, p: instruction.interview(s, ref, at="2026-07-01 10:00", date=DAY),
    "report": lambda s, ref, p: instruction.report(s, ref, recommend="grant", date=DAY),
    "withdraw": lambda s, ref, p: instruction.withdraw(s, ref, reason="test", date=DAY),
}

# The status each accepted action leads to (None: unchanged).
LEADS_TO = {
    "check": "incomplete",
    "request": "waiting",
    "report": "report_ready",
    "withdraw": "withdrawn",
}


def _people(store):
    return {
        "first": instructors.add(
            store, name="Ana Lemoine", role="instructor", specialties=["economie"], date=DAY
        ).id,
        "other": instructors.add(
            store, name="Bruno Caron", role="instructor", specialties=["economie"], date=DAY
        ).id,
        "expert": instructors.add(
            store, name="Chloé Expert", role="expert", specialties=[], date=DAY
        ).id,
    }


def _dossier(store, cid, status, instructor_id, scheme="ECO", **extra) -> str:
    ref = dossiers.open_dossier(
        store, candidate_id=cid, scheme_code=scheme, date=DAY, force=True, **extra
    ).ref
    # Set-up only: put the dossier straight into the status under test, with an
    # instructor, as if the earlier steps had happened.
    store.update(
        "dossiers", store.dossier(ref)["id"], {"status": status, "instructor_id": instructor_id}
    )
    # One piece in, so that taking it back (unreceive) has something to take.
    store.insert(
        "pieces",
        {
            "dossier_id": store.dossier(ref)["id"],
            "code": "administratif",
            "received_on": "2026-06-15",
        },
    )
    return ref


def test_table_covers_every_status():
    assert set(OPQTECC_ALLOWED) == set(workflow.STATUSES)


@pytest.mark.parametrize("status", sorted(OPQTECC_ALLOWED))
def test_opqtecc_actions_by_status(cli, store, unchanged, status):
    cid = candidate(cli)
    people = _people(store)
    for action, run in ACTIONS.items():
        ref = _dossier(store, cid, status, people["first"])
        if action in OPQTECC_ALLOWED[status]:
            run(store, ref, people)
            expected = LEADS_TO.get(action, status)
            if action == "receive" and status == "waiting":
                expected = "instruction"
            if action in ("unreceive", "refund") and status in reception.CHECKED:
                expected = "incomplete"  # its one piece taken back
            assert store.dossier(ref)["status"] == expected, action
        else:
            with unchanged(), pytest.raises(StateError) as refused:
                run(store, ref, people)
            said = f"dossier {ref} is '{status}': cannot {workflow.label(action)} (allowed now: "
            assert said in str(refused.value)
            assert store.dossier(ref)["status"] == status


@pytest.mark.parametrize("action", ["assign", "expert", "request", "interview", "report"])
def test_opqtecc_only_actions_refused_on_cqpt(cli, store, unchanged, action):
    cid = candidate(cli)
    people = _people(store)
    ref = _dossier(store, cid, "complete", None, "CQPT", route="libre", financing="plan-formation")
    with unchanged(), pytest.raises(StateError) as refused:
        ACTIONS[action](store, ref, people)
    assert f"'{action}' does not apply to a cqpt dossier" in str(refused.value)


def test_refusals_through_the_cli(cli, unchanged):
    cid = candidate(cli)
    ref = open_dossier(cli, cid)
    cqpt = open_dossier(cli, cid, "CQPT", route="libre", financing="plan-formation")
    with unchanged():
        err = cli.fails("dossier", "report", ref, "--recommend", "grant").stderr
        assert err.strip() == (
            f"Error: dossier {ref} is 'submitted': cannot record the report "
            "(allowed now: receive, unreceive, pay, refund, check, withdraw)"
        )
        err = cli.fails("dossier", "assign", cqpt, "--auto").stderr
        assert err.strip() == f"Error: dossier {cqpt}: 'assign' does not apply to a cqpt dossier"
    cli.ok("dossier", "withdraw", ref, "--date", "2026-06-15")
    with unchanged():
        err = cli.fails("dossier", "receive", ref, "administratif").stderr
        assert "is 'withdrawn': cannot receive pieces (allowed now: refund)" in err
