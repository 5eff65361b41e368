"""The lists page (--limit, --page, a caption) and stream (--all): the same items
either way, a JSON list stays a list (issue 20)."""

from __future__ import annotations

import datetime as dt
import json

import pytest


@pytest.fixture
def office(cli, store):
    """The demo office, with enough mandates, appeals and outbox messages to page."""
    cli.ok("demo", "--date", "2026-11-25")
    for candidate in range(1, 8):
        cli.ok(
            "mandate", "add", "--candidate", candidate, "--iban", "FR7630006000011234567890189",
            "--signed-on", "2026-11-01", "--date", "2026-11-02",
        )  # fmt: skip
    with store.transaction():
        for n, dossier in enumerate(store.all("SELECT id FROM dossiers ORDER BY id LIMIT 5")):
            store.insert(
                "appeals",
                {
                    "dossier_id": dossier["id"],
                    "filed_on": f"2026-0{n + 1}-10",
                    "deadline": "2026-12-31",
                },
            )
        for n in range(7):
            store.insert(
                "outbox",
                {
                    "message_id": f"<m{n}@example.fr>", "kind": "credentials",
                    "template": "identifiants", "candidate_id": 1 + n % 3,
                    "to_addr": f"r{n}@example.fr", "from_addr": "office@example.fr",
                    "subject": f"Test {n}", "date": "2026-11-25", "actor": "test",
                    "created_at": "2026-11-25T10:00:00", "status": ("queued", "sent")[n % 2],
                    "sent_at": ("2026-11-25T10:00:00" if n % 2 else None),
                },
            )  # fmt: skip
    return cli


# Each list: its command, its first column and the JSON key that column shows.
LISTS = {
    "certificate": (("certificate", "list"), "number", "number"),
    "invoice": (("invoice", "list"), "number", "number"),
    "renewals": (
        ("renewals", "due", "--months", "48", "--as-of", "2026-11-25"),
        "certificate",
        "certificate",
    ),
    "mandates": (("mandate", "list"), "id", "id"),
    "appeals": (("appeal", "list"), "ref", "ref"),
    "mail": (("mail", "queue"), "id", "id"),
    "letters": (("letters", "log"), "id", "id"),
    "directory": (("directory", "search", "--as-of", "2026-11-25"), "name", "name"),
    "instructors": (("instructor", "list"), "id", "id"),
    "sessions": (("commission", "list"), "id", "id"),
}


@pytest.mark.parametrize(("command", "header", "key"), LISTS.values(), ids=list(LISTS))
def test_pages_and_all_give_the_same_items(office, command, header, key):
    _pages_like_every_list(office, command, header, key)


@pytest.fixture
def registers(office, store):
    """The office with companies and letters asked for but never rendered."""
    for n in (3, 1, 7, 5, 2, 6, 4):
        siret = f"73282932000{n}0{(8, 7, 6, 5, 4, 3, 2)[n - 1]}"
        office.ok(
            "company", "add", "--name", f"entreprise {n}", "--siret", siret,
            "--date", "2026-11-25",
        )  # fmt: skip
    with store.transaction():
        for n in range(7):
            store.insert(
                "pending_letters",
                {
                    "template": "notification", "record": "dossier", "ref": f"D-{n}",
                    "date": "2026-11-25", "format": "pdf", "out_dir": f"out{n}",
                    "asked_at": "2026-11-25T10:00:00", "asked_by": "test",
                },
            )  # fmt: skip
    for n in (3, 1, 7, 5, 2, 6, 4):
        office.ok("evaluator", "add", "--name", f"Évaluateur {n}", "--date", "2026-11-25")
    numbers = [c["number"] for c in office.json("certificate", "list", "--limit", "7")]
    for number in numbers:
        office.ok(
            "complaint", "add", "--certificate", number, "--from", "client", "--text", "retard",
            "--date", "2026-11-20",
        )  # fmt: skip
    for complaint in (2, 5):
        office.ok(
            "complaint", "close", str(complaint), "--outcome", "classée", "--date", "2026-11-25"
        )
    return office


SMALL_LISTS = {
    "companies": (("company", "list"), "id", "id"),
    "pending": (("letters", "pending"), "id", "id"),
    "complaints": (("complaint", "list"), "id", "id"),
    "evaluators": (("evaluator", "list"), "id", "id"),
}


@pytest.mark.parametrize(("command", "header", "key"), SMALL_LISTS.values(), ids=list(SMALL_LISTS))
def test_small_lists_page_too(registers, command, header, key):
    _pages_like_every_list(registers, command, header, key)


def test_company_list_and_letters_pending_keep_their_order_keys_and_hint(registers):
    cli = registers
    companies = cli.json("company", "list", "--limit", "2", "--page", "2")
    assert [c["name"] for c in companies] == ["entreprise 3", "entreprise 4"]
    assert list(companies[0]) == [
        "id", "name", "siret", "address", "postcode", "city", "billing_email", "created_on",
        "employees", "instructors", "employee_count", "siren",
    ]  # fmt: skip
    pending = cli.json("letters", "pending", "--limit", "2", "--page", "4")
    assert [p["ref"] for p in pending] == ["D-6"]
    assert list(pending[0]) == [
        "id", "template", "record", "ref", "candidate_id", "date", "format", "out",
        "templates", "reminder", "asked_at", "asked_by",
    ]  # fmt: skip
    shown = cli.ok("letters", "pending", "--limit", "2").stdout
    assert "1-2 of 7; next: --page 2; render them with" in " ".join(shown.split())


def _pages_like_every_list(cli, command, header, key):
    every = cli.json(*command, "--limit", "10000")
    assert len(every) > 5
    streamed = json.loads(cli.ok(*command, "--all", "--json").stdout)
    assert streamed == every
    first = cli.json(*command, "--limit", "2")
    second = cli.json(*command, "--limit", "2", "--page", "2")
    assert first + second == every[:4]
    assert cli.json(*command, "--limit", "3", "--page", "2") == every[3:6]
    last = (len(every) + 1) // 2
    assert cli.json(*command, "--limit", "2", "--page", str(last)) == every[2 * last - 2 :]
    assert cli.json(*command, "--limit", "2", "--page", str(last + 1)) == []
    table = cli.ok(*command, "--limit", "2").stdout
    assert f"1-2 of {len(every)}; next: --page 2" in table
    assert (
        f"3-4 of {len(every)}; next: --page 3"
        in cli.ok(*command, "--limit", "2", "--page", "2").stdout
    )
    lines = cli.ok(*command, "--all").stdout.splitlines()
    assert len(lines) == len(every) + 1 and lines[0].startswith(f"{header}\t")
    shown = ["" if item[key] is None else str(item[key]) for item in every]
    assert [line.split("\t")[0] for line in lines[1:]] == shown


def test_filters_page_too(office):
    cli = office
    queued = cli.json("mail", "queue", "--status", "queued", "--limit", "2", "--page", "2")
    assert [m["subject"] for m in queued] == ["Test 4", "Test 6"]
    assert (
        "3-4 of 4"
        in cli.ok("mail", "queue", "--status", "queued", "--limit", "2", "--page", "2").stdout
    )
    assert [a["ref"] for a in cli.json("appeal", "list", "--pending", "--all")] == [
        a["ref"] for a in cli.json("appeal", "list", "--pending", "--limit", "100")
    ]
    log = cli.json("letters", "log", "--candidate", "2", "--all")
    assert [m["to"] for m in log] == ["r1@example.fr", "r4@example.fr"]
    assert (
        "2-2 of 2"
        in cli.ok("letters", "log", "--candidate", "2", "--limit", "1", "--page", "2").stdout
    )
    mine = cli.json("mandate", "list", "--candidate", "3")
    assert [m["candidate_id"] for m in mine] == [3]
    assert "1-1 of 1" in cli.ok("mandate", "list", "--candidate", "3").stdout


def test_renewals_due_pages_keep_the_json_keys_and_remind_reads_every_one(office, store):
    """renewals due pages its view only: the domain's `due` (what `remind` acts on)
    is every certificate due, whatever the page size."""
    from certcli.domain import renewals

    cli = office
    page = cli.json("renewals", "due", "--months", "48", "--as-of", "2026-11-25", "--limit", "1")
    assert list(page[0]) == [
        "certificate",
        "candidate_id",
        "holder",
        "valid_until",
        "days_left",
        "reminded_on",
    ]
    every = json.loads(
        cli.ok(
            "renewals", "due", "--months", "48", "--as-of", "2026-11-25", "--all", "--json"
        ).stdout
    )
    due = renewals.due(store, as_of=dt.date(2026, 11, 25), months=48, pending=True)
    assert [d.certificate for d in due] == [d["certificate"] for d in every if not d["reminded_on"]]
    pending = cli.json("renewals", "due", "--months", "48", "--as-of", "2026-11-25", "--pending")
    assert [d["certificate"] for d in pending] == [d.certificate for d in due]
    assert (
        "none found" in cli.ok("renewals", "due", "--months", "1", "--as-of", "2040-01-01").stdout
    )


def test_an_empty_stream_is_an_empty_list(cli):
    cli.ok("init")
    assert cli.ok("invoice", "list", "--all", "--json").stdout == "[]\n"
    assert cli.ok("certificate", "list", "--all").stdout == (
        "number\tholder\tscheme\tstatus\tgranted\tvalid until\tmentions\n"
    )


def test_instructor_and_commission_lists_page_with_their_filters_and_keys(office):
    cli = office
    people = cli.json("instructor", "list", "--limit", "1")
    assert list(people[0]) == [
        "id", "name", "role", "specialties", "employer", "employer_id", "capacity", "email",
        "conflict_employers", "conflict_candidates", "active", "load", "assigned_total",
    ]  # fmt: skip
    experts = cli.json("instructor", "list", "--role", "expert", "--all")
    assert experts and {p["role"] for p in experts} == {"expert"}
    assert experts == cli.json("instructor", "list", "--role", "expert", "--limit", "100")
    assert (
        f"1-1 of {len(experts)}"
        in cli.ok("instructor", "list", "--role", "expert", "--limit", "1").stdout
    )
    cli.fails("instructor", "list", "--role", "bad", "--all")
    sessions = cli.json("commission", "list", "--limit", "1")
    assert list(sessions[0]) == [
        "id", "date", "kind", "capacity", "status", "on_agenda", "decided",
    ]  # fmt: skip
    year = sessions[0]["date"][:4]
    of_year = cli.json("commission", "list", "--year", year, "--all")
    assert of_year and {s["date"][:4] for s in of_year} == {year}
    second = cli.json("commission", "list", "--year", year, "--limit", "1", "--page", "2")
    assert second == of_year[1:2]


def test_complaint_and_evaluator_lists_page_with_their_filter_and_keys(registers):
    cli = registers
    shown = cli.json("complaint", "list", "--open", "--limit", "2", "--page", "2")
    assert [c["id"] for c in shown] == [4, 6]
    assert [c["id"] for c in cli.json("complaint", "list", "--open", "--all")] == [1, 3, 4, 6, 7]
    assert (
        "3-4 of 5; next: --page 3"
        in cli.ok("complaint", "list", "--open", "--limit", "2", "--page", "2").stdout
    )
    assert list(shown[0]) == [
        "id", "certificate", "scheme", "received_on", "from", "text", "status", "closed_on",
        "outcome", "linked_to", "recorded_by", "closed_by",
    ]  # fmt: skip
    evaluators = cli.json("evaluator", "list", "--limit", "2", "--page", "2")
    every = cli.json("evaluator", "list", "--all")
    assert evaluators == every[2:4] and list(evaluators[0]) == list(every[0])
    ours = [e["name"] for e in every if e["name"].startswith("Évaluateur")]
    assert ours == [f"Évaluateur {n}" for n in range(1, 8)]


def test_experience_list_pages_a_candidates_periods(office):
    cli = office
    before = cli.json("experience", "list", "--candidate", "2", "--all")
    for year in (2015, 2012, 2018, 2010, 2016, 2011, 2014):
        cli.ok(
            "experience", "add", "--candidate", "2", "--employer", f"Employeur {year}",
            "--start", f"{year}-01-01", "--end", f"{year}-12-31", "--hours", "1500",
            "--force",
        )  # fmt: skip
    _pages_like_every_list(cli, ("experience", "list", "--candidate", "2"), "id", "id")
    every = cli.json("experience", "list", "--candidate", "2", "--all")
    assert len(every) == len(before) + 7
    assert [p["start"] for p in every] == sorted(p["start"] for p in every)
    assert list(every[0]) == list(cli.json("experience", "list", "--candidate", "2")[0])
    cli.fails("experience", "list", "--candidate", "999999", "--all")


def test_member_list_pages_and_its_deprecated_all_lists_every_member_as_before(cli):
    for n, (commission, role) in enumerate(
        [("cpne", "member"), ("award", "member"), ("award", "secretary"), ("award", "president")]
        + [("award", "member"), ("cpne", "president"), ("appeal", "member")]
    ):
        cli.ok(
            "member", "add", "--name", f"Membre {n}", "--commission", commission,
            "--role", role, "--date", "2026-01-05",
        )  # fmt: skip
    for retired in (2, 5):
        cli.ok("member", "retire", retired, "--reason", "fin de mandat", "--date", "2026-06-30")
    everyone = cli.json("member", "list", "--retired", "--limit", "100")
    assert [m["id"] for m in everyone] == [7, 4, 2, 5, 3, 6, 1]  # president first
    assert list(everyone[0]) == [
        "id", "name", "commission", "role", "employer", "employer_id", "email",
        "conflict_employers", "conflict_candidates", "active", "added_on", "retired_on",
        "retired_reason",
    ]  # fmt: skip
    active = cli.json("member", "list")
    assert active == [m for m in everyone if m["active"]]
    assert cli.json("member", "list", "--limit", "2", "--page", "2") == active[2:4]
    award = [m for m in everyone if m["commission"] == "award"]
    paged = cli.json(
        "member", "list", "--commission", "award", "--retired", "--page", "2", "--limit", "3"
    )
    assert paged == award[3:]
    shown = cli.ok("member", "list", "--retired", "--limit", "3", "--page", "2")
    assert "4-6 of 7; next: --page 3" in shown.stdout and "retired" in shown.stdout
    assert "1-5 of 5" in cli.ok("member", "list").stdout
    # --all, deprecated: the retired members too, every one, the same table as before
    # (no caption) and the same JSON, with one warning on stderr.
    warning = (
        "Warning: member list --all is deprecated: use --retired "
        "(and --all will mean every page, as in other lists)\n"
    )
    old = cli.ok("member", "list", "--all", "--json")
    assert json.loads(old.stdout) == everyone and old.stderr == warning
    table = cli.ok("member", "list", "--all", "--limit", "2")
    assert table.stderr == warning
    assert all(f"Membre {n}" in table.stdout for n in range(7)) and " of " not in table.stdout
    assert cli.json("member", "list", "--commission", "award", "--all") == award
    cli.fails("member", "list", "--commission", "jury", "--all")
    cli.fails("member", "list", "--commission", "jury", "--retired")
