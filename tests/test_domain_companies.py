"""Companies and who pays (issue 12, certcli/domain/companies.py): `company
add/list/show/edit`, the SIRET checked and unique, candidates and instructors linked
by --employer-id, conflicts of interest by the link, `dossier add --payer`,
`certificate edit --payer`, and the buyer every invoice freezes at issue."""

from __future__ import annotations

from commission_helpers import new_candidate, report_ready, session
from instruction_helpers import d_candidate, d_complete, d_instructor

ADDRESS = {"address": "3 rue des Lilas", "postcode": "69003", "city": "Lyon"}
SIRET = "73282932000074"


def _company(cli, name="Cabinet Métré Conseil", siret=SIRET, address=True) -> int:
    args = ["company", "add", "--name", name, "--siret", siret]
    if address:
        args += ["--address", "5 quai Perrache", "--postcode", "69002", "--city", "Lyon"]
    return cli.json(*args, "--billing-email", "compta@metre.example.fr")["id"]


def _grant(cli, store, cid, *, payer=None, date="2026-06-15"):
    """A dossier of `cid` opened with `payer`, reported and granted on `date`."""
    ref = report_ready(cli, store, candidate=cid, report_on="2026-05-15", opened="2026-04-01")
    if payer:
        store.execute("UPDATE dossiers SET payer = ? WHERE ref = ?", (payer, ref))
    sid = session(cli, date)
    cli.ok("commission", "agenda", sid, "--date", date)
    return sid, ref


def test_company_add_list_show_edit(cli, unchanged):
    added = cli.json(
        "company", "add", "--name", "Cabinet Métré Conseil", "--siret", "732 829 320 00074",
        "--address", "5 quai Perrache", "--postcode", "69002", "--city", "Lyon",
        "--billing-email", "compta@metre.example.fr", "--date", "2026-01-05",
    )  # fmt: skip
    assert {"id", "name", "siret"} <= set(added)
    assert added["siret"] == SIRET and added["siren"] == "732829320"
    assert added["billing_email"] == "compta@metre.example.fr"
    with unchanged():
        err = cli.fails("company", "add", "--name", "Autre", "--siret", SIRET).stderr
        assert f"SIRET {SIRET} is already company {added['id']}" in err
        assert "invalid SIRET" in cli.fails("company", "add", "--name", "X", "--siret", "732829320"
                                            "00075").stderr  # fmt: skip
        assert "needs --siret" in cli.fails("company", "add", "--name", "X").stderr
        assert (
            "invalid postcode"
            in cli.fails("company", "edit", added["id"], "--postcode", "1").stderr
        )
        assert "no company with id 9" in cli.fails("company", "show", 9).stderr
    other = _company(cli, "BET Quantités", "81234567600009")
    listed = cli.json("company", "list")
    assert [c["name"] for c in listed] == ["BET Quantités", "Cabinet Métré Conseil"]
    edited = cli.json("company", "edit", other, "--city", "Villeurbanne", "--postcode", "69100")
    assert (edited["city"], edited["postcode"]) == ("Villeurbanne", "69100")
    entry = cli.json("log", "--entity", "company", "--record", other)[0]
    assert entry["action"] == "company.edit" and entry["details"]["city"] == [
        "Lyon",
        "Villeurbanne",
    ]
    assert "Villeurbanne" in cli.ok("company", "show", other).stdout


def test_company_show_lists_employees_and_their_certificates(cli, store):
    company = _company(cli)
    cid = new_candidate(cli, last="Dupont", **ADDRESS)
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    assert cli.json("candidate", "show", cid)["employer_id"] == company
    sid, ref = _grant(cli, store, cid)
    number = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")[
        "certificate"
    ]
    shown = cli.json("company", "show", company)
    assert [e["id"] for e in shown["employees"]] == [cid]
    assert shown["employees"][0]["certificates"][0]["number"] == number
    text = cli.ok("company", "show", company).stdout
    assert "Employees" in text and number in text
    assert cli.json("company", "list")[0]["employee_count"] == 1
    # unlinked with 0
    cli.ok("candidate", "edit", cid, "--employer-id", 0)
    assert cli.json("company", "show", company)["employees"] == []


def test_employer_id_must_name_a_company(cli, unchanged):
    with unchanged():
        err = cli.fails("candidate", "add", "--first-name", "A", "--last-name", "B",
                        "--employer-id", 4).stderr  # fmt: skip
        assert "no company with id 4" in err
        err = cli.fails("instructor", "add", "--name", "Paul Girard", "--specialty", "economie",
                        "--employer-id", 4).stderr  # fmt: skip
        assert "no company with id 4" in err


def test_conflicts_of_interest_use_the_company_link_when_both_have_one(cli, store):
    metre = _company(cli)
    bet = _company(cli, "BET Quantités", "81234567600009")
    cid = d_candidate(store, employer="Cabinet Métré")  # free text differs from the instructor's
    cli.ok("candidate", "edit", cid, "--employer-id", metre)
    linked_same = d_instructor(store, "Paul Girard", employer="Métré Conseil SARL")
    cli.ok("instructor", "edit", linked_same, "--employer-id", metre)
    # Same free text, but linked to another company: the links decide, no conflict.
    linked_other = d_instructor(store, "Anne Roux", employer="Cabinet Métré")
    cli.ok("instructor", "edit", linked_other, "--employer-id", bet)
    # Not linked: the names are still compared.
    unlinked = d_instructor(store, "Marc Blanc", employer="CABINET METRE")
    ref = d_complete(store, cid)
    data = cli.json("dossier", "assign", ref, "--auto", "--date", "2026-03-02")
    assert data["instructor"]["id"] == linked_other
    reasons = {e["id"]: e["reasons"] for e in data["excluded"]}
    assert reasons[linked_same] == [
        f"same employer as the candidate (company {metre}: Cabinet Métré)"
    ]
    assert reasons[unlinked] == ["same employer as the candidate (CABINET METRE)"]
    assert cli.json("instructor", "show", linked_same)["employer_id"] == metre


def test_payer_employer_needs_a_linked_company(cli, store, unchanged):
    cid = new_candidate(cli, **ADDRESS)
    with unchanged():
        err = cli.fails("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--payer",
                        "employer").stderr  # fmt: skip
        assert "payer employer: candidate" in err and "--employer-id" in err
        err = cli.fails("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--payer",
                        "voisin").stderr  # fmt: skip
        assert "invalid payer" in err
    ref = cli.json("dossier", "add", "--candidate", cid, "--scheme", "ECO")["ref"]
    assert cli.json("dossier", "show", ref)["payer"] == "candidate"  # the scheme's default


def test_an_employer_paid_dossier_bills_the_company_frozen_at_issue(cli, store, unchanged):
    company = _company(cli, address=False)
    cid = new_candidate(cli, **ADDRESS)
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    ref = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--payer", "employer",
        "--date", "2026-04-01",
    )["ref"]  # fmt: skip
    assert cli.json("dossier", "show", ref)["payer"] == "employer"
    store.execute(
        "UPDATE dossiers SET status = 'report_ready', report_on = '2026-05-15', "
        "recommendation = 'grant' WHERE ref = ?",
        (ref,),
    )
    sid = session(cli, "2026-06-16")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-16")
    # The company has no address: an invoice could not name it, the grant writes nothing.
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-06-16").stderr
    assert f"company {company} (Cabinet Métré Conseil) has no address/postcode/city" in err
    cli.ok("company", "edit", company, "--address", "5 quai Perrache", "--postcode", "69002",
           "--city", "Lyon")  # fmt: skip
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-16")
    invoice = cli.json("invoice", "show", done["invoice"])
    assert invoice["due_on"] == "2026-07-16"
    assert invoice["buyer"]["kind"] == "company"
    assert (invoice["buyer"]["name"], invoice["buyer"]["siret"]) == ("Cabinet Métré Conseil", SIRET)
    assert invoice["buyer"]["lines"] == ["5 quai Perrache", "69002 Lyon"]
    assert cli.json("certificate", "show", done["certificate"])["payer"] == "employer"
    # Frozen: a later edit of the company never changes the invoice.
    cli.ok("company", "edit", company, "--name", "Métré Conseil SAS")
    assert cli.json("invoice", "show", done["invoice"])["buyer"]["name"] == "Cabinet Métré Conseil"


def test_the_dues_call_bills_the_certificate_payer(cli, store, unchanged):
    company = _company(cli)
    cid = new_candidate(cli, **ADDRESS)
    sid, ref = _grant(cli, store, cid)
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    number = done["certificate"]
    prorata = cli.json("invoice", "show", done["invoice"])
    assert prorata["buyer"]["kind"] == "candidate" and prorata["buyer"]["siret"] is None
    with unchanged():
        err = cli.fails("certificate", "edit", number, "--payer", "employer").stderr
        assert "is linked to no company" in err
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    edited = cli.json("certificate", "edit", number, "--payer", "employer", "--date", "2026-11-20")
    assert edited["payer"] == "employer"
    assert cli.json("log", "--entity", "certificate", "--record", number)[0]["details"][
        "payer"
    ] == [
        "candidate",
        "employer",
    ]
    called = cli.json("dues", "call", "--year", "2027", "--date", "2026-11-20")
    invoice = cli.json("invoice", "show", called["invoiced"][0]["number"])
    assert invoice["buyer"] == {**invoice["buyer"], "kind": "company", "siret": SIRET}
    assert invoice["holder"] == "Cabinet Métré Conseil"


def test_a_cqpt_dossier_on_the_employer_plan_bills_the_employer(cli):
    company = _company(cli)
    cid = cli.json("candidate", "add", "--first-name", "Léa", "--last-name", "Martin",
                   "--employer-id", company)["id"]  # fmt: skip
    ref = cli.json("dossier", "add", "--candidate", cid, "--scheme", "CQPT", "--route",
                   "contrat-pro", "--financing", "plan-formation")["ref"]  # fmt: skip
    assert cli.json("dossier", "show", ref)["payer"] == "employer"
    other = cli.json("dossier", "add", "--candidate", cid, "--scheme", "CQPT", "--route",
                     "contrat-pro", "--financing", "contrat-pro", "--force")["ref"]  # fmt: skip
    assert cli.json("dossier", "show", other)["payer"] == "candidate"
