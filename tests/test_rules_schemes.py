"""Schemes (certcli/rules/schemes.py): the catalog, a malformed scheme file named with
its field, and the [cqpt] table (defaults applied once at load, amount checked)."""

import shutil
from pathlib import Path

import pytest

from certcli.rules import schemes

ROOT = Path(__file__).resolve().parent.parent


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


def test_scheme_catalog(cli):
    codes = {s["code"]: s for s in cli.json("scheme", "list")}
    assert {"ECO", "PROG", "CQPT"} <= set(codes)
    eco = cli.json("scheme", "show", "eco")
    assert eco["validity_years"] == 4 and eco["renewal_lead_months"] == 9
    assert eco["pieces"]["initial"] == ["administratif", "contrats", "technique", "demande-signee"]
    assert eco["pieces"]["renewal"] == [
        "administratif",
        "contrats",
        "certificats-capacite",
        "attestations-formation",
    ]
    assert eco["annual_dues"] == "360.00" and eco["fees"]["initial"] == "480.00"
    assert codes["CQPT"]["validity_years"] == 0 and codes["CQPT"]["expires"] is False
    assert "unknown scheme" in cli.fails("scheme", "show", "NOPE").stderr


def test_malformed_scheme_file_names_file_and_field(cli, tmp_path, monkeypatch):
    import shutil

    from certcli.rules import schemes

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    text = (data / "schemes" / "ECO.toml").read_text()
    (data / "schemes" / "ECO.toml").write_text(
        text.replace('annual_dues = "360.00"', 'annual_dues = "lots"')
    )
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    err = cli.fails("scheme", "list").stderr
    assert "ECO.toml" in err and "annual_dues" in err
    (data / "schemes" / "ECO.toml").write_text(
        text.replace("validity_years = 4", 'validity_years = "four"')
    )
    schemes._catalog.cache_clear()
    err = cli.fails("scheme", "show", "ECO").stderr
    assert "ECO.toml" in err and "validity_years" in err
    schemes._catalog.cache_clear()


def test_parsed_catalog_is_cached_between_runs_and_never_stale(cqpt_toml, tmp_path, monkeypatch):
    """The parsed catalog is kept in the user's cache folder (XDG_CACHE_HOME): a second
    run reads it instead of the TOML, an edited file (even one of the same size) is
    parsed again, and a catalog with an error is never cached."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    first = schemes.catalog()
    (stored,) = (cache / "certcli").iterdir()
    schemes._catalog.cache_clear()
    parsed = []
    monkeypatch.setattr(schemes, "_parse_catalog", lambda root: parsed.append(root))
    assert schemes.catalog() == first and parsed == []  # read from the cache
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("CERTCLI_DATA", str(cqpt_toml.parent.parent))

    text = cqpt_toml.read_text()
    assert 'funder = "AUVICOM"' in text
    cqpt_toml.write_text(text.replace('funder = "AUVICOM"', 'funder = "AUVICAM"'))  # same size
    schemes._catalog.cache_clear()
    assert schemes.get("CQPT").cqpt["funder"] == "AUVICAM"

    cqpt_toml.write_text(text.replace('flat_amount = "300.00"', 'flat_amount = "lots"'))
    for _ in range(2):  # the error each time, the cache left as it was
        schemes._catalog.cache_clear()
        with pytest.raises(schemes.SchemeError, match="cqpt.flat_amount"):
            schemes.catalog()
    assert [p.name for p in (cache / "certcli").iterdir()] == [stored.name]


def test_unwritable_or_corrupt_cache_only_means_parsing_again(cqpt_toml, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # mkdir fails: nothing cached
    assert "CQPT" in schemes.catalog()
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    schemes._catalog.cache_clear()
    schemes.catalog()
    (stored,) = (cache / "certcli").iterdir()
    stored.write_bytes(b"\x80garbage")
    schemes._catalog.cache_clear()
    assert schemes.get("CQPT").cqpt["funder"] == "AUVICOM"


def test_cache_reads_back_the_catalog_as_parsed(cqpt_toml, tmp_path, monkeypatch):
    """The cache (marshal, the records and Decimal/Path/date values tagged) gives back
    the catalog the files give: equal records of the same classes, amounts, paths and
    TOML dates of the same types, the body its schemes share still one object."""
    import datetime as dt
    import pickle

    body = cqpt_toml.parent.parent / "bodies" / "opqtecc.toml"
    body.write_text(
        "founded = 1979-05-27\nopens = 08:30:00\nsince = 1979-05-27T07:32:00\n" + body.read_text()
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    parsed = schemes.catalog()
    schemes._catalog.cache_clear()
    monkeypatch.setattr(schemes, "_parse_catalog", lambda root: pytest.fail("parsed again"))
    cached = schemes.catalog()
    assert cached == parsed and cached is not parsed
    assert pickle.dumps(cached) == pickle.dumps(parsed)  # same types, same sharing
    assert cached["ECO"].body is cached["PROG"].body
    extra = cached["ECO"].body.extra
    assert (extra["founded"], extra["opens"], extra["since"]) == (
        dt.date(1979, 5, 27),
        dt.time(8, 30),
        dt.datetime(1979, 5, 27, 7, 32),
    )


def test_a_value_the_cache_cannot_hold_means_parsing_each_time(cqpt_toml, tmp_path, monkeypatch):
    """A body file's own extra key holding a date with a time zone (which the cache
    does not keep) is not cached: the catalog is parsed from the files each run."""
    body = cqpt_toml.parent.parent / "bodies" / "opqtecc.toml"
    body.write_text("since = 1979-05-27T07:32:00Z\n" + body.read_text())
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert schemes.catalog()["ECO"].body.extra["since"].tzinfo is not None
    assert not (cache / "certcli").exists() or not list((cache / "certcli").iterdir())


def test_encoded_values_read_back_as_they_were():
    import datetime as dt
    from decimal import Decimal

    shared = [Decimal("1.50"), (Path("a/b"), dt.date(2026, 1, 2))]
    value = {
        "plain": ["x", 1, 2.5, True, None, ("t", 3), {"k": [1]}],
        "amount": Decimal("-0.00"),
        "nested": {"one": shared, "two": shared, "when": dt.datetime(2026, 1, 2, 3, 4, 5)},
        "time": dt.time(23, 59, 59, 999),
    }
    back = schemes._decode(schemes._encode(value, {}), {})
    assert back == value and str(back["amount"]) == "-0.00"
    assert back["nested"]["one"] is back["nested"]["two"]
    assert type(back["plain"][5]) is tuple and type(back["nested"]["one"][1]) is tuple
    for odd in ({1, 2}, (..., "decimal", "1"), dt.datetime(2026, 1, 2, tzinfo=dt.UTC), {(1,): 2}):
        with pytest.raises(TypeError):
            schemes._encode({"odd": odd}, {})
