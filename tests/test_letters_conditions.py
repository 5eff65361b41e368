"""When a letter may go out (certcli/letters/conditions.py): a postal address, the
record in the state the letter speaks of (no refusal for a granted dossier, no
decision letter before the decision, no appeal outcome before the appeal is heard),
and the scheme route it is written for."""

import builders
import letter_records as R
import pytest
from builders import addressed
from commission_helpers import decide_at, refused, report_ready, session, transmit_cqpt
from letter_office import render_logged


# -- the refusal -----------------------------------------------------------------------------
def test_no_refusal_letter_for_a_granted_dossier(cli, store, tmp_path, unchanged):
    granted = decide_at(cli, store, "2026-06-15", candidate=addressed(store))["ref"]
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "refus",
            "--dossier",
            granted,
            "--format",
            "html",
            "--out",
            tmp_path,
            "--date",
            "2026-06-16",
        ).stderr
    assert f"template 'refus': dossier {granted} is 'granted': a refusal letter" in err


# -- no letter without a postal address ------------------------------------------------------
def test_no_letter_without_a_postal_address(cli, store, tmp_path, unchanged):
    cid = builders.candidate(store, "Zed", "Late", eligible=False, address=None, city="Lyon")
    ref = cli.json("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01")[
        "ref"
    ]
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "accuse-reception",
            "--dossier",
            ref,
            "--format",
            "html",
            "--out",
            tmp_path / "out",
            "--date",
            "2026-03-02",
        ).stderr
    assert err.strip() == (
        f"Error: candidate {cid} (Zed Late) has no postal address "
        f"(address, postcode): add it with `certcli candidate edit {cid} "
        "--address … --postcode …`"
    )
    assert not (tmp_path / "out").exists()


def test_decision_letters_wait_for_the_decision(cli, store, tmp_path, unchanged):
    ready = report_ready(cli, store, candidate=addressed(store))
    cqpt = transmit_cqpt(cli, store, session(cli, "2026-10-05", "cpne"), candidate=addressed(store))
    with unchanged():
        for template, ref, status in (
            ("notification", ready, "report_ready"),
            ("cqpt-decision", cqpt, "transmitted"),
        ):
            err = cli.fails(
                "letters",
                "render",
                template,
                "--dossier",
                ref,
                "--out",
                tmp_path,
                "--date",
                "2026-06-16",
            ).stderr
            assert f"template '{template}': dossier {ref} is '{status}'" in err


# -- the appeal outcome ----------------------------------------------------------------------
def test_appeal_outcome_waits_for_the_outcome_and_gives_the_commissions_reason(
    cli, store, tmp_path, unchanged
):
    ref = refused(cli, store)
    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "decision-recours",
            "--dossier",
            ref,
            "--format",
            "html",
            "--out",
            tmp_path / "out",
            "--date",
            "2026-07-02",
        ).stderr
    assert err.strip() == (
        f"Error: template 'decision-recours': the appeal of dossier {ref} "
        "(filed on 2026-07-01) has no outcome yet: record it with "
        f"`certcli appeal decide {ref}` first"
    )
    assert not (tmp_path / "out").exists()

    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok("appeal", "decide", ref, "--refuse", "--reason", "les références ne sont pas datées")
    text = render_logged(cli, "decision-recours", "--dossier", ref, tmp_path, "2026-09-15")
    assert (
        "Commission de recours, réunie le 14 septembre 2026, a confirmé la décision de "
        "refus. Motif : les références ne sont pas datées."
    ) in text
    assert "J'ai des références" not in text


@pytest.fixture
def cid(store):
    return R.candidate(store)


# -- every letter follows its scheme's route -----------------------------------------------
def test_a_route_letter_never_reaches_the_other_scheme(cli, store, cid, tmp_path):
    listed = {t["name"]: t["workflow"] for t in cli.json("letters", "list")}
    # Both granted on 2026-06-15: ECO dossier 2026-0001, then CQPT 2026-0002 (whose
    # grant issues CQPT-2026-00001).
    assert R.number(store, R.certificate(store, cid, "2026-06-15")) == "ECO-2026-0001"
    assert R.number(store, R.certificate(store, cid, "2026-06-15", scheme="CQPT")) == (
        "CQPT-2026-00001"
    )
    own = {"opqtecc": "2026-0002", "cqpt": "2026-0001"}  # a dossier of the OTHER route
    routed = {name: flow for name, flow in listed.items() if flow}
    assert {n for n, f in routed.items() if f == "cqpt"} == {
        "cqpt-recevabilite",
        "cqpt-irrecevabilite",
        "cqpt-decision",
    }
    assert {
        "notification",
        "refus",
        "entretien",
        "demande-complements",
        "decision-recours",
        "ajournement",
    } <= {n for n, f in routed.items() if f == "opqtecc"}
    for name, flow in routed.items():
        if name == "rappel-renouvellement":
            continue  # about a certificate, tested below
        err = cli.fails(
            "letters",
            "render",
            name,
            "--dossier",
            own[flow],
            "--date",
            "2026-11-20",
            "--format",
            "html",
            "--out",
            tmp_path,
        ).stderr
        assert (
            f"template '{name}' is a letter of the {flow.upper()} route; dossier "
            f"{own[flow]} is" in err
        ), err
    err = cli.fails(
        "letters",
        "render",
        "rappel-renouvellement",
        "--certificate",
        "CQPT-2026-00001",
        "--format",
        "html",
        "--out",
        tmp_path,
    ).stderr
    assert "is a letter of the OPQTECC route; certificate CQPT-2026-00001 is CQPT" in err
