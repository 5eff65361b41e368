"""OPQTECC eligibility applied at `dossier check` (and recalled at the grant): the
verdict of `eligibility check`, on the check's date."""

import datetime as dt

import letter_records as R
from builders import CAREER, add_candidate
from commission_helpers import decide_at
from instruction_helpers import ECO_PIECES, d_instructor, open_dossier

from certcli.domain import assignment, instruction

CHECKED = "2026-03-01"


def arrived(cli, cid, scheme="ECO", date=CHECKED, **extra) -> str:
    """Every piece and the fee in; not checked yet."""
    ref = open_dossier(cli, cid, scheme, date, **extra)
    cli.ok("dossier", "receive", ref, *ECO_PIECES, "--date", date)
    cli.ok("dossier", "pay", ref, "--amount", "480.00", "--method", "cheque", "--date", date)
    return ref


def reported(cli, store, ref, report_on="2026-05-01"):
    """Assigned and reported (grant), through the domain functions."""
    paul = d_instructor(store, "Paul Girard")
    assignment.assign(store, ref, instructor_id=paul, date=dt.date.fromisoformat(report_on))
    instruction.report(store, ref, recommend="grant", date=dt.date.fromisoformat(report_on))


def test_an_ineligible_candidate_is_refused_at_the_check_with_every_failed_rule(
    cli, unchanged, tmp_path
):
    cid = add_candidate(cli)  # no status, no specialty, no experience
    ref = arrived(cli, cid)
    with unchanged():
        err = cli.fails(
            "dossier",
            "check",
            ref,
            "--date",
            CHECKED,
            "--letter",
            "--format",
            "html",
            "--out",
            tmp_path / "out",
        ).stderr.strip()
    assert err == (
        f"Error: dossier {ref} is complete but candidate {cid} is not eligible for ECO on "
        f"{CHECKED}: no status recorded: ECO requires salarie or demandeur; no specialty "
        "among economie (candidate's: none recorded); only 0 days of experience in the "
        f"specialty up to {CHECKED}: 1095 required (3 years x 365 days). Record the missing "
        "facts (`certcli candidate edit`, `certcli experience add`) and check again, or "
        'accept it with --override "reason"'
    )
    assert not (tmp_path / "out").exists()  # no acknowledgement of an unchecked dossier
    assert cli.json("dossier", "show", ref)["status"] == "submitted"
    # The facts recorded, the same check passes.
    cli.ok("candidate", "edit", cid, "--status", "demandeur", "--specialty", "economie")
    with unchanged():
        err = cli.fails("dossier", "check", ref, "--date", CHECKED).stderr
    assert "no status" not in err and "no specialty" not in err
    assert "only 0 days of experience" in err
    cli.ok(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "BET Quantités",
        "--start",
        "2020-01-01",
        "--end",
        "2023-12-31",
        "--hours",
        "6400",
        "--related",
    )
    data = cli.json("dossier", "check", ref, "--date", CHECKED)
    assert (data["status"], data["eligible"], data["failures"], data["override"]) == (
        "instruction",
        True,
        [],
        None,
    )


def test_the_check_judges_eligibility_on_its_own_date(cli, unchanged):
    cid = add_candidate(cli, status="salarie", specialty=["economie"])
    # 2023-01-02..2025-12-31 is 1095 days (2024 is a leap year): three years on the last
    # day, not the day before.
    cli.ok(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "BET Quantités",
        "--start",
        "2023-01-02",
        "--end",
        "2027-12-31",
        "--hours",
        "8000",
        "--related",
    )
    ref = arrived(cli, cid, date="2025-12-30")
    with unchanged():
        err = cli.fails("dossier", "check", ref, "--date", "2025-12-30").stderr
    assert "only 1094 days of experience in the specialty up to 2025-12-30" in err
    assert cli.json("dossier", "check", ref, "--date", "2025-12-31")["status"] == "instruction"


def test_the_specialty_is_the_scheme_s_own(cli, unchanged):
    cid = add_candidate(cli, status="salarie", specialty=["economie"])
    cli.ok("experience", "add", "--candidate", cid, *_career())
    ref = arrived(cli, cid, "PROG")
    with unchanged():
        err = cli.fails("dossier", "check", ref, "--date", CHECKED).stderr
    assert "not eligible for PROG" in err
    assert "no specialty among programmation (candidate's: economie)" in err
    assert "days of experience" not in err  # the experience rule holds: it is not named


def test_override_accepts_an_ineligible_candidate_and_is_logged_and_shown(cli):
    cid = add_candidate(cli)
    ref = arrived(cli, cid)
    data = cli.json(
        "dossier",
        "check",
        ref,
        "--date",
        CHECKED,
        "--override",
        "  Expérience   attestée par l'employeur  ",
        "--as",
        "claire",
    )
    assert data["status"] == "instruction" and data["eligible"] is False
    assert data["override"] == "Expérience attestée par l'employeur"
    assert [f.split(":")[0] for f in data["failures"]] == [
        "no status recorded",
        "no specialty among economie (candidate's",
        "only 0 days of experience in the specialty up to 2026-03-01",
    ]
    entry = next(
        e
        for e in cli.json("log", "--entity", "dossier", "--record", ref)
        if e["action"] == "dossier.checked"
    )
    assert entry["by"] == "claire"
    assert entry["details"]["override"] == "Expérience attestée par l'employeur"
    assert entry["details"]["eligible"] is False
    assert entry["details"]["failures"] == data["failures"]
    shown = cli.json("dossier", "show", ref)
    assert shown["eligibility"] == {
        "checked_on": CHECKED,
        "eligible": False,
        "failures": data["failures"],
        "override": "Expérience attestée par l'employeur",
    }
    text = cli.ok("dossier", "show", ref).stdout
    assert "Expérience attestée par l'employeur" in text
    other = arrived(cli, add_candidate(cli, "Jean", "Durand"))
    out = cli.ok("dossier", "check", other, "--date", CHECKED, "--override", "vu").stdout
    assert out.splitlines()[0] == f"Dossier {other} is complete: status instruction."
    assert out.splitlines()[1].startswith(
        "Accepted by override (vu) although not eligible: no status recorded"
    )


def test_override_refusals_write_nothing(cli, store, unchanged):
    ineligible = arrived(cli, add_candidate(cli))
    eligible = arrived(cli, add_candidate(cli, "Jean", "Durand", eligible=True))
    incomplete = open_dossier(cli, add_candidate(cli, "Zoé", "Petit"))
    cqpt = open_dossier(
        cli, add_candidate(cli, "Noé", "Roux"), "CQPT", route="libre", financing="plan-formation"
    )
    cli.ok(
        "dossier",
        "receive",
        cqpt,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        CHECKED,
    )
    with unchanged():
        for ref, reason, says in [
            (ineligible, "   ", "Error: --override needs a reason"),
            (
                ineligible,
                "x" * 2001,
                "Error: override reason is too long: 2001 characters, at most 2000",
            ),
            (
                eligible,
                "just in case",
                f"Error: candidate {store.dossier(eligible)['candidate_id']}"
                " is eligible for ECO on 2026-03-01: --override is "
                "not needed",
            ),
            (
                incomplete,
                "vu",
                f"Error: dossier {incomplete} is incomplete: --override "
                "accepts an ineligible candidate, not missing pieces",
            ),
            (
                cqpt,
                "vu",
                "Error: --override is not for a CQPT check: the funding body "
                "applies the eligibility rules at `cqpt admissibility`",
            ),
        ]:
            err = cli.fails("dossier", "check", ref, "--date", CHECKED, "--override", reason).stderr
            assert err.startswith(says), err


def test_cqpt_is_left_to_admissibility(cli, unchanged):
    """A CQPT check only checks the file: the funding body applies the rules."""
    cid = add_candidate(cli)  # free access with no hours at all
    ref = open_dossier(cli, cid, "CQPT", route="libre", financing="plan-formation")
    cli.ok(
        "dossier",
        "receive",
        ref,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        CHECKED,
    )
    data = cli.json("dossier", "check", ref, "--date", CHECKED)
    assert (data["status"], data["eligible"], data["failures"]) == ("complete", None, [])
    with unchanged():
        assert (
            "not eligible for the CQPT"
            in cli.fails("cqpt", "admissibility", ref, "--accept", "--date", "2026-03-05").stderr
        )


LEGACY = "dossier papier de 2022, pièces vérifiées"


def test_a_renewal_is_not_gated_but_an_extension_into_another_scheme_is(cli, store, unchanged):
    cid = add_candidate(cli)  # a holder whose register entry lacks the facts
    # Granted in 2022 on facts the register never received (accepted at the check).
    R.certificate(store, cid, "2022-06-20", override=LEGACY)  # the first of 2022: ECO-2022-0001
    renewal = open_dossier(cli, cid, date="2026-03-01", kind="renewal", certificate="ECO-2022-0001")
    cli.ok(
        "dossier",
        "receive",
        renewal,
        "administratif",
        "contrats",
        "certificats-capacite",
        "attestations-formation",
        "--date",
        CHECKED,
    )
    cli.ok("dossier", "pay", renewal, "--amount", "300.00", "--method", "cheque", "--date", CHECKED)
    data = cli.json("dossier", "check", renewal, "--date", CHECKED)
    assert (data["status"], data["eligible"]) == ("instruction", None)
    assert "eligibility" not in cli.json("dossier", "show", renewal)

    mention = open_dossier(cli, cid, kind="extension", certificate="ECO-2022-0001", mention="BIM")
    cli.ok(
        "dossier",
        "receive",
        mention,
        "administratif",
        "technique:2",
        "demande-signee",
        "--date",
        CHECKED,
    )
    cli.ok("dossier", "pay", mention, "--amount", "200.00", "--method", "cheque", "--date", CHECKED)
    assert cli.json("dossier", "check", mention, "--date", CHECKED)["eligible"] is None

    other = open_dossier(cli, cid, "PROG", kind="extension", certificate="ECO-2022-0001")
    cli.ok(
        "dossier",
        "receive",
        other,
        "administratif",
        "technique:2",
        "demande-signee",
        "--date",
        CHECKED,
    )
    cli.ok("dossier", "pay", other, "--amount", "200.00", "--method", "cheque", "--date", CHECKED)
    with unchanged():
        err = cli.fails("dossier", "check", other, "--date", CHECKED).stderr
    assert f"candidate {cid} is not eligible for PROG on {CHECKED}" in err
    again = open_dossier(
        cli,
        add_candidate(cli, "Jean", "Durand"),
        kind="renewal",
        certificate=_certificate(store, cli),
    )
    with unchanged():
        assert cli.fails(
            "dossier", "check", again, "--date", CHECKED, "--override", "vu"
        ).stderr.strip() == (
            f"Error: --override accepts an ineligible candidate, and the check of renewal "
            f"dossier {again} applies no eligibility rule (the holder was found eligible for "
            "the certificate it continues)"
        )


def _certificate(store, cli) -> str:
    holder = store.all("SELECT id FROM candidates WHERE last_name = 'Durand'")[0]["id"]
    return R.number(store, R.certificate(store, holder, "2022-06-20", override=LEGACY))


def test_the_grant_recalls_a_candidate_no_longer_eligible(cli, store):
    cid = add_candidate(cli, eligible=True)
    ref = arrived(cli, cid)
    assert cli.json("dossier", "check", ref, "--date", CHECKED)["eligible"] is True
    reported(cli, store, ref)
    career = cli.json("experience", "list", "--candidate", cid)[0]["id"]
    cli.ok(
        "experience",
        "remove",
        career,
        "--reason",
        "the employer's letter was a forgery",
        "--date",
        "2026-05-02",
    )
    decided = decide_at(cli, store, "2026-06-15", ref=ref)
    assert decided["decision"] == "granted"
    assert decided["warnings"] == [
        f"{ref} was granted although candidate {cid} is not eligible for ECO on 2026-06-15 "
        "(only 0 days of experience in the specialty up to 2026-06-15: 1095 required (3 "
        "years x 365 days)); the candidate was eligible at the check of 2026-03-01"
    ]


def test_the_grant_recalls_an_override_and_says_nothing_of_an_eligible_candidate(cli, store):
    overridden = arrived(cli, add_candidate(cli))
    cli.ok("dossier", "check", overridden, "--date", CHECKED, "--override", "vu au dossier")
    reported(cli, store, overridden)
    decided = decide_at(cli, store, "2026-06-15", ref=overridden)
    assert len(decided["warnings"]) == 1
    assert decided["warnings"][0].endswith(
        "; it was accepted at the check of 2026-03-01 by override (vu au dossier)"
    )
    fine = arrived(cli, add_candidate(cli, "Jean", "Durand", eligible=True))
    cli.ok("dossier", "check", fine, "--date", CHECKED)
    _report(store, fine)
    assert decide_at(cli, store, "2026-06-22", ref=fine)["warnings"] == []


def _report(store, ref):
    paul = store.all("SELECT id FROM instructors WHERE name = 'Paul Girard'")[0]["id"]
    assignment.assign(store, ref, instructor_id=paul, date=dt.date(2026, 5, 1))
    instruction.report(store, ref, recommend="grant", date=dt.date(2026, 5, 1))


def _career() -> list:
    return [
        "--employer",
        CAREER["employer"],
        "--start",
        CAREER["start"],
        "--end",
        CAREER["end"],
        "--hours",
        CAREER["hours"],
        "--related",
    ]
