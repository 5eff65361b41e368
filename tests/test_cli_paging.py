"""certificate list and invoice list page (--limit, --page, a caption) and stream (--all):
the same items either way, a JSON list stays a list (issue 20)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def office(cli):
    cli.ok("demo", "--date", "2026-11-25")
    return cli


@pytest.mark.parametrize("noun", ["certificate", "invoice"])
def test_pages_and_all_give_the_same_items(office, noun):
    cli = office
    every = cli.json(noun, "list", "--limit", "10000")
    assert len(every) > 3
    streamed = json.loads(cli.ok(noun, "list", "--all", "--json").stdout)
    assert streamed == every
    first = cli.json(noun, "list", "--limit", "2")
    second = cli.json(noun, "list", "--limit", "2", "--page", "2")
    assert first + second == every[:4]
    table = cli.ok(noun, "list", "--limit", "2").stdout
    assert f"1-2 of {len(every)}; next: --page 2" in table
    lines = cli.ok(noun, "list", "--all").stdout.splitlines()
    assert len(lines) == len(every) + 1 and lines[0].startswith("number\t")
    key = "number"
    assert [line.split("\t")[0] for line in lines[1:]] == [item[key] for item in every]


def test_an_empty_stream_is_an_empty_list(cli):
    cli.ok("init")
    assert cli.ok("invoice", "list", "--all", "--json").stdout == "[]\n"
    assert cli.ok("certificate", "list", "--all").stdout == (
        "number\tholder\tscheme\tstatus\tgranted\tvalid until\tmentions\n"
    )
