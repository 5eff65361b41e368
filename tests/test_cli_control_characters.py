"""Control characters: refused on every text input, never printed raw."""

from __future__ import annotations

import json

import pytest
from builders import add_candidate

from certcli.errors import ValidationError
from certcli.rules import validators
from certcli.store import Store

HOSTILE = ["\x1b]0;pwned\x07", "\x1b[2J", "a\x00b", "\x9b31m", "\u202eevil", "a\x7fb"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_names_with_control_characters_are_refused(cli, unchanged, bad):
    with unchanged():
        err = cli.fails(
            "candidate", "add", "--first-name", f"Léa{bad}", "--last-name", "Martin"
        ).stderr
    assert "control character" in err
    assert "\x1b" not in err and "\x00" not in err


def test_every_free_text_option_is_checked(cli, unchanged):
    cid = add_candidate(cli)
    with unchanged():
        for args in (
            ("candidate", "edit", cid, "--city", "Lyon\x1b[2J"),
            ("dossier", "add", "--candidate", cid, "--scheme", "ECO\x1b"),
            ("candidate", "list", "--search", "\x1b[2J"),
        ):
            assert "control character" in cli.fails(*args).stderr


def test_tabs_and_line_breaks_are_only_spaces():
    assert validators.text("4 rue\tdes\nLilas", "address") == "4 rue des Lilas"
    assert validators.name(" Jean\r\nPierre ", "first name") == "Jean Pierre"
    with pytest.raises(ValidationError):
        validators.text("x\x0bY", "address")


def test_an_imported_row_with_control_characters_is_rejected(cli, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "first_name,last_name,city\nLéa,Martin,Paris\nJean,Dupont\x1b[2J,Lyon\n", encoding="utf-8"
    )
    result = cli.json("candidate", "import", path)
    assert result["inserted"] == 1
    assert "control character" in result["rejected"][0]["reason"]


def test_stored_escapes_from_an_old_database_are_never_printed_raw(cli, db_path):
    cid = add_candidate(cli, "Léa", "Martin", city="Lyon")
    store = Store(db_path)
    with store.transaction():
        store.execute(
            "UPDATE candidates SET last_name = ?, city = ? WHERE id = ?",
            ("Martin\x1b]0;owned\x07", "Ly\x9bon", cid),
        )
    store.close()
    for args in (("candidate", "list"), ("candidate", "show", cid)):
        out = cli.ok(*args).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "\\x1b" in out
    raw = cli.ok("candidate", "show", cid, "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw
    data = json.loads(raw)
    assert data["last_name"] == "Martin\x1b]0;owned\x07" and data["city"] == "Ly\x9bon"


def test_amounts_keep_their_no_break_spaces(cli):
    from certcli.cli.output import printable

    assert printable("120,00\xa0€") == "120,00\xa0€"
