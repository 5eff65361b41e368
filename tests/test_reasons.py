"""Free-text reasons: one rule (validators.reason) for every command that takes one.

Control characters refused, spaces collapsed, at most 2,000 characters; a refused
reason writes nothing.
"""

from __future__ import annotations

import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session
from instruction_helpers import open_dossier

from certcli.errors import ValidationError
from certcli.rules import validators

LONG = "x" * 5000
LIMIT = "y" * validators.MAX_TEXT


def test_reason_rule():
    assert validators.reason("  pièces \n manquantes  ") == "pièces manquantes"
    assert validators.reason("   ") is None and validators.reason(None) is None
    assert validators.reason(LIMIT) == LIMIT
    with pytest.raises(ValidationError, match="reason is too long: 5000 characters, at most 2000"):
        validators.reason(LONG)
    with pytest.raises(ValidationError, match="control character"):
        validators.reason("a\x1b[31mb")
    with pytest.raises(ValidationError, match="^a withdrawal needs --reason$"):
        validators.reason(" ", required="a withdrawal needs --reason")


def _refused(cli, store):
    return decide_at(cli, store, "2026-06-15", "--refuse", "--reason", "insuffisant")["ref"]


def _granted(cli, store):
    return decide_at(cli, store, "2026-06-15", "--grant")


def _withdraw(cli, store):
    ref = open_dossier(cli, new_candidate(cli))
    return ["dossier", "withdraw", ref, "--date", "2026-06-20", "--reason"]


def _appeal(cli, store):
    return ["appeal", "file", _refused(cli, store), "--date", "2026-06-20", "--reason"]


def _decide(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    return ["commission", "decide", sid, ref, "--refuse", "--date", "2026-06-15", "--reason"]


def _certificate(cli, store):
    number = _granted(cli, store)["certificate"]
    return ["certificate", "withdraw", number, "--date", "2026-07-01", "--reason"]


def _invoice(cli, store):
    number = _granted(cli, store)["invoice"]
    return ["invoice", "cancel", number, "--date", "2026-07-01", "--reason"]


def _experience(cli, store):
    cid = new_candidate(cli)
    period = cli.json("experience", "list", "--candidate", cid)[0]["id"]
    return ["experience", "remove", period, "--date", "2026-07-01", "--reason"]


def _admissibility(cli, store):
    cid = new_candidate(cli)
    ref = open_dossier(cli, cid, "CQPT", route="contrat-pro", financing="contrat-pro")
    store.execute("UPDATE dossiers SET status = 'complete' WHERE ref = ?", (ref,))
    return ["cqpt", "admissibility", ref, "--reject", "--date", "2026-06-20", "--reason"]


COMMANDS = {
    "dossier withdraw": _withdraw,
    "appeal file": _appeal,
    "commission decide": _decide,
    "certificate withdraw": _certificate,
    "invoice cancel": _invoice,
    "experience remove": _experience,
    "cqpt admissibility": _admissibility,
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_5000_character_reason_is_refused_everywhere(cli, store, unchanged, command):
    args = COMMANDS[command](cli, store)
    with unchanged():
        err = cli.fails(*args, LONG).stderr
    assert "reason is too long: 5000 characters, at most 2000" in err
    with unchanged():
        assert "control character" in cli.fails(*args, "bad\x07bell").stderr
    cli.ok(*args, f"  {LIMIT[:-10]}\n  done  ")


def test_a_decision_reason_is_recorded_cleaned(cli, store):
    args = _decide(cli, store)
    result = cli.json(*args, "  dossier \n\n incomplet ")
    assert result["reason"] == "dossier incomplet"
    assert cli.json("dossier", "show", result["ref"])["decision_reason"] == "dossier incomplet"


def test_report_text_and_override_reasons_are_capped(cli, store, unchanged):
    from instruction_helpers import add_instructor, candidate, complete_dossier

    ref = complete_dossier(cli, candidate(cli))
    person = add_instructor(cli, "Bernard Noël")
    with unchanged():
        err = cli.fails("dossier", "assign", ref, "--instructor", person, "--override", LONG).stderr
        assert "override reason is too long" in err
    cli.ok("dossier", "assign", ref, "--instructor", person, "--date", "2026-03-02")
    with unchanged():
        err = cli.fails(
            "dossier", "report", ref, "--recommend", "grant", "--text", LONG, "--date", "2026-03-10"
        ).stderr
        assert "report text is too long" in err
