"""A certificate anyone can verify (certcli/domain/verification.py): the public status
of a number on a day, its verification code and the key kept outside the database."""

from __future__ import annotations

import json
import os
import stat

import pg_backend
import pytest
from commission_helpers import decide_at, new_candidate
from conftest import Cli

from certcli.domain.verification import key_file
from certcli.store import Store

KEYS = {"number", "scheme", "status", "valid_from", "valid_until", "code_ok"}


def _verify(cli, number, *extra):
    return cli.json("certificate", "verify", number, *extra)


def _granted(cli, store, date="2026-03-12", first="Éric", **extra):
    holder = new_candidate(
        cli,
        first=first,
        last="Bérégovoy",
        email=f"{first.lower()}.beregovoy@example.fr",
        address="12 rue des Lilas",
        postcode="69003",
        city="Lyon",
        directory_consent=False,
        **extra,
    )
    return decide_at(cli, store, date, candidate=holder)["certificate"]


def test_verify_tells_the_status_and_period_whatever_the_consent_and_nothing_personal(cli, store):
    number = _granted(cli, store)
    out = _verify(cli, number, "--as-of", "2027-01-10")
    assert out == {
        "number": number,
        "scheme": "ECO",
        "status": "valid",
        "valid_from": "2026-03-12",
        "valid_until": "2030-03-11",
        "code_ok": None,
    }
    text = cli.ok("certificate", "verify", number.lower(), "--as-of", "2027-01-10").stdout
    assert f"Certificate {number}: valid (ECO, period 2026-03-12 to 2030-03-11)" in text
    for personal in ("Bérégovoy", "Éric", "example.fr", "Lilas", "69003", "Lyon"):
        assert personal not in text
        assert personal not in json.dumps(out, ensure_ascii=False)
    assert _verify(cli, number, "--as-of", "2030-03-11")["status"] == "valid"
    lapsed = _verify(cli, number, "--as-of", "2030-03-12")
    assert (lapsed["status"], lapsed["valid_until"]) == ("lapsed", "2030-03-11")
    before = _verify(cli, number, "--as-of", "2026-03-11")
    assert before == {**dict.fromkeys(KEYS), "number": number, "status": "unknown"}


def test_an_unknown_number_exits_0_with_status_unknown(cli):
    out = _verify(cli, "ECO-2099-0042")
    assert out == {
        "number": "ECO-2099-0042",
        "scheme": None,
        "status": "unknown",
        "valid_from": None,
        "valid_until": None,
        "code_ok": None,
    }
    assert _verify(cli, "ECO-2099-0042", "--code", "7K2QF-M9XRT")["code_ok"] is False
    assert "unknown: no such certificate" in cli.ok("certificate", "verify", "NOPE-1").stdout


@pytest.mark.today("2027-12-31")
def test_suspended_and_withdrawn_follow_the_one_validity_rule(cli, store):
    number = _granted(cli, store)
    cli.ok(
        "certificate", "suspend", number, "--reason", "dues unpaid", "--until", "2027-01-31",
        "--date", "2026-12-01",
    )  # fmt: skip
    assert _verify(cli, number, "--as-of", "2027-01-31")["status"] == "suspended"
    assert _verify(cli, number, "--as-of", "2027-02-01")["status"] == "valid"
    cli.ok("certificate", "withdraw", number, "--reason", "fraude", "--date", "2027-06-01")
    out = _verify(cli, number, "--as-of", "2027-06-01")
    assert (out["status"], out["valid_from"], out["valid_until"]) == (
        "withdrawn",
        "2026-03-12",
        "2030-03-11",
    )
    assert _verify(cli, number, "--as-of", "2027-05-31")["status"] == "valid"


def test_the_code_from_show_checks_and_a_wrong_code_says_so(cli, store):
    number = _granted(cli, store)
    code = cli.json("certificate", "show", number, "--as-of", "2027-01-10")["verification_code"]
    assert len(code) == 11 and code[5] == "-"
    assert _verify(cli, number, "--code", code, "--as-of", "2027-01-10")["code_ok"] is True
    typed = code.replace("-", " ").lower()
    assert _verify(cli, number, "--code", typed, "--as-of", "2027-01-10")["code_ok"] is True
    other = _granted(cli, store, date="2026-03-13", first="Paul")
    assert _verify(cli, other, "--code", code)["code_ok"] is False
    # one character changed is a wrong code, not an error
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    assert _verify(cli, number, "--code", wrong)["code_ok"] is False
    text = cli.ok("certificate", "verify", number, "--code", wrong).stdout
    assert "Code: WRONG" in text
    assert "Code: correct" in cli.ok("certificate", "verify", number, "--code", code).stdout
    err = cli.fails("certificate", "verify", number, "--code", "ABC").stderr
    assert "is not a verification code" in err


def test_the_code_depends_on_the_key_not_only_on_the_number(cli, store, db_path):
    number = _granted(cli, store)
    code = cli.json("certificate", "show", number)["verification_code"]
    key = key_file(db_path)
    key.write_text("00" * 32 + "\n")
    assert cli.json("certificate", "show", number)["verification_code"] != code
    assert _verify(cli, number, "--code", code)["code_ok"] is False


@pytest.mark.today("2030-06-30")
def test_a_renewal_gives_a_new_code_and_the_old_attestation_still_proves_genuine(cli, store):
    number = _granted(cli, store)
    old = cli.json("certificate", "show", number, "--as-of", "2027-01-10")["verification_code"]
    holder = cli.json("certificate", "show", number)["candidate_id"]
    decide_at(cli, store, "2030-01-15", kind="renewal", certificate=number, candidate=holder)
    new = cli.json("certificate", "show", number, "--as-of", "2030-04-01")["verification_code"]
    assert new != old
    out = _verify(cli, number, "--code", old, "--as-of", "2030-04-01")
    assert out["code_ok"] is True
    assert (out["valid_from"], out["valid_until"]) == ("2030-03-12", "2034-03-11")
    assert _verify(cli, number, "--code", new, "--as-of", "2030-04-01")["code_ok"] is True


def test_init_creates_the_key_once_private_and_outside_the_database(tmp_path, monkeypatch):
    if pg_backend.active():
        db = os.environ["CERTCLI_DB"]
    else:
        db = str(tmp_path / "office" / "office.db")
    monkeypatch.setenv("CERTCLI_DB", db)
    first = Cli().json("init")
    key = key_file(db)
    assert first["key_file"] == str(key) and first["key_created"] is True
    if not pg_backend.active():
        assert key == tmp_path / "office" / "office.db.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    assert len(bytes.fromhex(secret)) == 32
    again = Cli().json("init")
    assert again["key_created"] is False and key.read_text().strip() == secret
    # a certificate, its code shown and verified: the key is still nowhere in the data
    cli = Cli()
    store = Store(db)
    try:
        number = _granted(cli, store)
    finally:
        store.close()
    code = cli.json("certificate", "show", number)["verification_code"]
    assert _verify(cli, number, "--code", code)["code_ok"] is True
    backup = tmp_path / "copy.db"
    cli.ok("backup", backup)
    raw = bytes.fromhex(secret)
    files = [backup]
    if not pg_backend.active():
        files += [p for p in (tmp_path / "office").iterdir() if p.name != key.name]
    for path in files:
        data = path.read_bytes()
        assert secret.encode() not in data and secret.upper().encode() not in data
        assert raw not in data


def test_the_key_file_can_be_chosen_and_a_missing_key_is_named(cli, store, tmp_path, monkeypatch):
    number = _granted(cli, store)
    monkeypatch.setenv("CERTCLI_KEY_FILE", str(tmp_path / "elsewhere" / "office.key"))
    assert cli.json("certificate", "show", number)["verification_code"] is None
    err = cli.fails("certificate", "verify", number, "--code", "7K2QF-M9XRT").stderr
    assert "no verification key at" in err and "certcli init" in err
    assert _verify(cli, number)["status"] == "valid"  # no key needed without a code
    assert cli.json("init")["key_created"] is True
    assert (tmp_path / "elsewhere" / "office.key").is_file()
    code = cli.json("certificate", "show", number)["verification_code"]
    assert _verify(cli, number, "--code", code)["code_ok"] is True
