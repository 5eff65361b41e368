"""certcli/rules/validators.py: free-text reasons (one rule, validators.reason, for every
command that takes one: control characters refused, spaces collapsed, at most 2,000
characters, a refused reason writes nothing), the fast paths of the phone and e-mail
checks (the libraries' answers), and cached checks that hand out fresh values."""

from __future__ import annotations

import random

import builders
import phonenumbers
import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session
from email_validator import validate_email
from instruction_helpers import open_dossier

from certcli.domain import candidates
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


def test_paragraphs_rule_keeps_the_line_breaks():
    text = "  Premier  paragraphe.\r\n\r\n\n  Second\tparagraphe,\nsuite.  \n\n"
    assert validators.paragraphs(text, "report text") == (
        "Premier paragraphe.\n\nSecond paragraphe,\nsuite."
    )
    assert validators.paragraphs(" \n \n", "notes") is None
    assert validators.paragraphs(None, "notes") is None
    assert validators.paragraphs(LIMIT, "notes") == LIMIT
    with pytest.raises(ValidationError, match="report text is too long: 5000 characters"):
        validators.paragraphs(LONG, "report text")
    with pytest.raises(ValidationError, match="report text contains a control character"):
        validators.paragraphs("a\x0cb", "report text")
    with pytest.raises(ValidationError, match="report text contains a control character"):
        validators.paragraphs("a\x1b[31mb", "report text")
    with pytest.raises(ValidationError, match="^an opinion needs --text$"):
        validators.paragraphs("\n", "opinion text", required="an opinion needs --text")


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
    builders.complete_cqpt(store, ref)
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


def test_request_items_and_payment_references_follow_the_text_rules(cli, store, unchanged):
    from instruction_helpers import candidate, complete_dossier, open_dossier

    ref = complete_dossier(cli, candidate(cli))
    with unchanged():
        err = cli.fails(
            "dossier",
            "request",
            ref,
            "--items",
            LONG,
            "--due",
            "2026-04-01",
            "--date",
            "2026-03-02",
        ).stderr
        assert "items is too long: 5000 characters, at most 2000" in err
    asked = cli.json(
        "dossier", "request", ref, "--items", " Attestation \n employeur ", "--due", "2026-04-01",
        "--date", "2026-03-02",
    )  # fmt: skip
    assert asked["items"] == "Attestation employeur"
    unpaid = open_dossier(cli, candidate(cli, "Paul", "Durand"))
    with unchanged():
        err = cli.fails(
            "dossier", "pay", unpaid, "--amount", "480", "--method", "cheque",
            "--reference", "r" * 400, "--date", "2026-03-02",
        ).stderr  # fmt: skip
        assert "reference is too long: 400 characters, at most 300" in err
    paid = cli.json(
        "dossier", "pay", unpaid, "--amount", "480", "--method", "cheque",
        "--reference", "  CHQ   1234 ", "--date", "2026-03-02",
    )  # fmt: skip
    assert paid["reference"] == "CHQ 1234"


def _slow_phone(text):
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _fast_phone(text):
    try:
        return validators.phone(text)
    except ValidationError:
        return None


def test_the_phone_fast_path_agrees_with_phonenumbers():
    rng = random.Random(3)
    for i in range(3000):
        digits = str(rng.choice([1, 2, 3, 4, 5, 6, 7, 9])) + "".join(
            str(rng.randint(0, 9)) for _ in range(8)
        )
        text = (
            "0" + digits
            if i % 3 == 0
            else "0" + digits[0] + " " + " ".join(digits[j : j + 2] for j in (1, 3, 5, 7))
            if i % 3 == 1
            else "0" + digits[0] + "." + ".".join(digits[j : j + 2] for j in (1, 3, 5, 7))
        )
        assert _fast_phone(text) == _slow_phone(text), text


def test_french_validity_depends_on_the_first_digits_only():
    # What the prefix cache of validators.phone relies on, for the installed metadata.
    for first in "1234567 9":
        if first == " ":
            continue
        for rest in range(1000):
            prefix = f"{first}{rest:03d}"
            answers = {
                phonenumbers.is_valid_number(
                    phonenumbers.PhoneNumber(country_code=33, national_number=int(prefix + tail))
                )
                for tail in ("00000", "99999", "31415", "27182")
            }
            assert len(answers) == 1, prefix


def test_the_email_fast_path_agrees_with_email_validator():
    samples = [
        "lea.martin@example.fr",
        "Lea.Martin@EXAMPLE.FR",
        "x+tag@sub.example.org",
        "a..b@example.fr",
        ".a@example.fr",
        "a@localhost",
        "a@example",
        "a@-bad.fr",
        "zoé@example.fr",
        "a@exämple.fr",
        "o'brien@example.ie",
        "a@b.c",
        "x" * 65 + "@example.fr",
        "a@example.invalid",
        "a@[1.2.3.4]",
    ]
    for text in samples:
        try:
            slow = validate_email(text, check_deliverability=False).normalized
        except Exception:
            slow = None
        try:
            fast = validators.email(text)
        except ValidationError:
            fast = None
        assert fast == slow, text


def test_cached_checks_hand_out_fresh_values():
    first = candidates.clean({"specialties": "economie;programmation"})
    first["specialties"].append("x")
    again = candidates.clean({"specialties": "economie;programmation"})
    assert again["specialties"] == ["economie", "programmation"]
