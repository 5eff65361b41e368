"""The [cqpt] table of a CQPT scheme: defaults applied once at load, amount checked."""

import shutil
from pathlib import Path

import pytest

from certcli.rules import schemes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cqpt_toml(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    path = data / "schemes" / "CQPT.toml"
    schemes._catalog.cache_clear()
    yield path
    schemes._catalog.cache_clear()


def test_cqpt_defaults_apply_when_the_table_leaves_them_out(cli, cqpt_toml):
    text = cqpt_toml.read_text()
    for line in ('funder = "AUVICOM"\n', 'flat_amount = "300.00"\n', 'cif_body = "Fongecif"\n'):
        assert line in text
        text = text.replace(line, "")
    cqpt_toml.write_text(text)
    rules = cli.json("scheme", "show", "CQPT")["cqpt"]
    assert (rules["funder"], rules["flat_amount"], rules["cif_body"]) == (
        "AUVICOM",
        "300.00",
        "Fongecif",
    )


def test_cqpt_flat_amount_is_checked_and_normalised(cli, cqpt_toml):
    text = cqpt_toml.read_text()
    cqpt_toml.write_text(text.replace('flat_amount = "300.00"', 'flat_amount = "250"'))
    assert cli.json("scheme", "show", "CQPT")["cqpt"]["flat_amount"] == "250.00"
    cqpt_toml.write_text(text.replace('flat_amount = "300.00"', 'flat_amount = "lots"'))
    schemes._catalog.cache_clear()
    err = cli.fails("scheme", "show", "CQPT").stderr
    assert "CQPT.toml" in err and "cqpt.flat_amount" in err
