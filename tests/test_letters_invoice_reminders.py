"""Reminders of unpaid invoices in levels (certcli/domain/invoice_reminders.py, the rule;
certcli/letters/invoice_reminders.py, the letters): each level due from the due date,
the day itself included; caught up after a missed day; never twice; never for a paid,
cancelled or waiting invoice; a killed run completed once; the one-file PDF."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import commission_helpers
import letter_records as R
import pytest
from letter_office import visible_text

from certcli.domain import dossiers, invoice_reminders, invoices, reception
from certcli.letters import render
from certcli.rules import bodies, schemes

pytestmark = pytest.mark.today("2028-12-31")


def _holder(store, first: str, email: str | None = None) -> tuple[int, int]:
    """A candidate granted ECO on 2026-03-10 through the commission's steps
    (commission_helpers.d_granted), the 2026 prorated dues the grant brings paid that
    day (invoices.pay), so only the invoices a test issues are open. (candidate, certificate)"""
    cid = R.candidate(store, first=first, email=email or f"{first.lower()}@example.fr")
    decision = commission_helpers.d_granted(store, cid, "2026-03-10")
    assert decision.invoice is not None
    grant = invoices.get(store, decision.invoice)
    assert grant.purpose == "dues-prorata"
    invoices.pay(
        store,
        grant.number,
        str(grant.amount),
        method="cheque",
        reference=None,
        date=dt.date(2026, 3, 10),
    )
    return cid, store.certificate(decision.certificate)["id"]


def _invoice(store, first="Hélène", *, on="2027-01-04", amount="360.00", **extra) -> str:
    """An open 2027 dues invoice of a certified holder (_holder), issued through
    invoices.issue."""
    cid, cert = _holder(store, first)
    return invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal(amount),
        label="Cotisation annuelle 2027",
        purpose="dues-call",
        date=dt.date.fromisoformat(on),
        certificate_id=cert,
        dues_year=2027,
        **extra,
    ).number


def _due_on(cli, number: str) -> dt.date:
    return dt.date.fromisoformat(cli.json("invoice", "show", number)["due_on"])


def _remind(cli, day: dt.date, *extra):
    return cli.json(
        "invoice", "remind", "--as-of", day.isoformat(), "--date", day.isoformat(), *extra
    )


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def _level(cli, number: str) -> int:
    found = {i["number"]: i for i in cli.json("invoice", "list", "--unpaid")}
    return found[number]["reminder_level"] if number in found else -1


def test_each_level_on_its_day_the_day_itself_included_and_never_twice(cli, store):
    number = _invoice(store)
    due = _due_on(cli, number)
    assert _level(cli, number) == 0
    assert _remind(cli, _plus(due, 14)) == {"reminded": [], "files": [], "skipped": []}
    first = _remind(cli, _plus(due, 15))
    assert first["reminded"] == [{"invoice": number, "level": 1}]
    assert _remind(cli, _plus(due, 15))["reminded"] == []  # the same day again
    assert _remind(cli, _plus(due, 44))["reminded"] == []
    assert _level(cli, number) == 1
    assert _remind(cli, _plus(due, 45))["reminded"] == [{"invoice": number, "level": 2}]
    assert _remind(cli, _plus(due, 74))["reminded"] == []
    assert _remind(cli, _plus(due, 75))["reminded"] == [{"invoice": number, "level": 3}]
    assert _level(cli, number) == 3
    assert _remind(cli, _plus(due, 400))["reminded"] == []  # no level after the last
    shown = cli.json("invoice", "show", number)
    assert shown["reminder_level"] == 3
    assert [(r["level"], r["sent_on"]) for r in shown["reminders"]] == [
        (1, _plus(due, 15).isoformat()),
        (2, _plus(due, 45).isoformat()),
        (3, _plus(due, 75).isoformat()),
    ]
    assert store.scalar("SELECT count(*) FROM invoice_reminders") == 3
    assert [e["action"] for e in cli.json("log") if e["action"] == "invoice.remind"] == [
        "invoice.remind"
    ] * 3


def test_a_missed_day_is_caught_up_one_level_per_run_each_with_its_own_time(cli, store):
    number = _invoice(store)
    due = _due_on(cli, number)
    # Nothing ran until day 80: the relance only (not the mise en demeure at once).
    late = _plus(due, 80)
    assert _remind(cli, late)["reminded"] == [{"invoice": number, "level": 1}]
    # The second relance waits its 30 days (45 - 15) from that late relance.
    assert _remind(cli, _plus(late, 29))["reminded"] == []
    assert _remind(cli, _plus(late, 30))["reminded"] == [{"invoice": number, "level": 2}]
    # A run missed the day the relance was due: the next day catches it up, and the
    # second relance comes 30 days after it, a day later than its own day.
    other = _invoice(store, "Marc")
    other_due = _due_on(cli, other)
    assert _remind(cli, _plus(other_due, 16))["reminded"] == [{"invoice": other, "level": 1}]
    assert _remind(cli, _plus(other_due, 45))["reminded"] == []
    assert _remind(cli, _plus(other_due, 46))["reminded"] == [{"invoice": other, "level": 2}]


def test_the_rule_itself():
    levels = bodies.DEFAULT_REMINDERS
    due = dt.date(2027, 2, 28)
    assert invoice_reminders.next_level(levels, due_on=due, as_of=dt.date(2027, 3, 14)) is None
    chosen, since = invoice_reminders.next_level(levels, due_on=due, as_of=dt.date(2027, 3, 15))
    assert (chosen.level, since) == (1, dt.date(2027, 3, 15))
    step = invoice_reminders.next_level(
        levels,
        due_on=due,
        as_of=dt.date(2027, 4, 14),
        last_level=1,
        last_sent_on=dt.date(2027, 3, 15),
    )
    assert step is not None and step[0].level == 2
    assert (
        invoice_reminders.next_level(
            levels, due_on=due, as_of=dt.date(2030, 1, 1), last_level=3, last_sent_on=due
        )
        is None
    )


def test_never_a_paid_a_cancelled_or_a_waiting_fee_invoice(cli, store):
    paid = _invoice(store, "Paul")
    cancelled = _invoice(store, "Chloé")
    partly = _invoice(store, "Inès")
    due = _due_on(cli, paid)
    cli.ok("invoice", "pay", paid, "--amount", "360.00", "--method", "cheque", "--date", due)
    cli.ok("invoice", "cancel", cancelled, "--reason", "exonération", "--date", due)
    cli.ok("invoice", "pay", partly, "--amount", "100.00", "--method", "cheque", "--date", due)
    # An instruction fee invoiced on a dossier still waiting at reception.
    cid = R.candidate(store, first="Yanis", email="yanis@example.fr")
    opened = dossiers.open_dossier(
        store, candidate_id=cid, scheme_code="ECO", date=dt.date(2027, 1, 4)
    )
    eco = schemes.get("ECO")
    first = eco.required_pieces("initial")[0]  # one piece of several, checked: incomplete
    piece = f"{first}:{eco.piece_count(first)}"
    reception.receive(store, opened.ref, [piece], date=dt.date(2027, 1, 4))
    checked = reception.check(store, opened.ref, date=dt.date(2027, 1, 4))
    assert checked.status == "incomplete"
    dossier = store.dossier(opened.ref)["id"]
    invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal("450.00"),
        label="Frais d'instruction",
        purpose="instruction-fee",
        date=dt.date(2027, 1, 4),
        dossier_id=dossier,
    )
    done = _remind(cli, _plus(due, 15))
    assert done["reminded"] == [{"invoice": partly, "level": 1}]
    # Paid after its first reminder: no second one.
    cli.ok("invoice", "pay", partly, "--amount", "260.00", "--method", "cheque", "--date", due)
    assert _remind(cli, _plus(due, 400))["reminded"] == []


def test_letters_per_level_with_what_is_left_to_pay(cli, store, tmp_path):
    number = _invoice(store)
    due = _due_on(cli, number)
    cli.ok("invoice", "pay", number, "--amount", "60.00", "--method", "cheque", "--date", due)
    out = ["--letter", "--format", "html", "--out", tmp_path]
    one = _remind(cli, _plus(due, 15), *out)
    assert [Path(f).name for f in one["files"]] == [
        f"{_plus(due, 15).isoformat()}_relance_{number}.html"
    ]
    text = visible_text(one["files"][0])
    assert "relance" in text and number in text and "300,00 €" in text and "60,00 €" in text
    two = visible_text(_remind(cli, _plus(due, 45), *out)["files"][0])
    assert "seconde relance" in two and "Malgré notre relance du" in two
    three = visible_text(_remind(cli, _plus(due, 75), *out)["files"][0])
    assert "mise en demeure" in three.lower() and "Malgré nos relances du" in three
    log = cli.json("letters", "log")
    assert [e["template"] for e in log] == [
        "relance",
        "relance-2",
        "mise-en-demeure",
    ]
    assert {e["invoice"] for e in log} == {number}
    assert store.scalar("SELECT count(*) FROM invoice_reminders WHERE letter_id IS NULL") == 0


def test_a_run_killed_mid_batch_then_rerun_sends_each_level_exactly_once(
    cli, store, tmp_path, monkeypatch
):
    numbers = [_invoice(store, f"Zoé{i}") for i in range(4)]
    due = _due_on(cli, numbers[0])
    real_write, calls = render.write, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while writing the second letter
        return real_write(*args, **kwargs)

    monkeypatch.setattr(render, "write", flaky)
    day = _plus(due, 15).isoformat()
    args = ["invoice", "remind", "--as-of", day, "--date", day, "--letter", "--format", "html"]
    args += ["--out", tmp_path]
    cli.fails(*args)
    # Every level was held before a letter was written: one written, three pending.
    assert store.scalar("SELECT count(*) FROM invoice_reminders") == 4
    assert [p["ref"] for p in cli.json("letters", "pending")] == numbers[1:]
    assert len(list(tmp_path.glob("*.html"))) == 1
    rerun = cli.json(*args)
    assert rerun["reminded"] == []  # the held levels are not sent again...
    assert cli.json("letters", "pending") == []  # ...their letters were completed
    assert store.scalar("SELECT count(*) FROM invoice_reminders") == 4
    assert store.scalar("SELECT count(*) FROM invoice_reminders WHERE letter_id IS NULL") == 0
    assert store.scalar("SELECT count(*) FROM letters") == 4
    assert len(list(tmp_path.glob("*.html"))) == 4


def test_one_file_of_every_letter(cli, store, tmp_path):
    from pypdf import PdfReader

    numbers = [_invoice(store, f"Zoé{i}") for i in range(3)]
    due = _due_on(cli, numbers[0])
    done = _remind(cli, _plus(due, 15), "--letter", "--one-file", "--out", tmp_path)
    assert done["reminded"] == [{"invoice": n, "level": 1} for n in numbers]
    assert len(done["files"]) == 1 and done["files"][0].endswith(".pdf")
    pages = PdfReader(done["files"][0]).pages
    assert len(pages) == 3
    assert numbers[1] in pages[1].extract_text()
    assert store.scalar("SELECT count(DISTINCT path) FROM letters") == 1


def test_dry_run_records_nothing(cli, store, tmp_path, unchanged):
    number = _invoice(store)
    due = _due_on(cli, number)
    with unchanged():
        dry = _remind(cli, _plus(due, 15), "--dry-run")
    assert dry["reminded"] == [{"invoice": number, "level": 1}]


def test_a_level_without_its_template_is_one_error_naming_it(cli, store, tmp_path, monkeypatch):
    number = _invoice(store)
    due = _due_on(cli, number)
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    text = body.read_text(encoding="utf-8")
    assert 'template = "mise-en-demeure"' in text
    body.write_text(text.replace('template = "mise-en-demeure"', 'template = "nulle-part"'))
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    try:
        day = _plus(due, 15).isoformat()
        failed = cli.fails("invoice", "remind", "--as-of", day, "--date", day, "--letter")
    finally:
        schemes._catalog.cache_clear()
    assert "reminder level 3 of body 'opqtecc'" in failed.stderr
    assert "'nulle-part'" in failed.stderr
    assert store.scalar("SELECT count(*) FROM invoice_reminders") == 0


def test_the_levels_are_the_body_files(cli, store, tmp_path, monkeypatch):
    """A body with two levels, at 10 and 20 days, its own templates' names."""
    number = _invoice(store)
    due = _due_on(cli, number)
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    text = body.read_text(encoding="utf-8")
    head = text[: text.index("[[reminders.levels]]")]
    tail = text[text.index("[accounts]") :]
    levels = (
        '[[reminders.levels]]\nlevel = 1\ndays = 10\ntemplate = "relance"\nlabel = "Relance"\n\n'
        '[[reminders.levels]]\nlevel = 2\ndays = 20\ntemplate = "mise-en-demeure"\n'
        'label = "Mise en demeure"\n\n'
    )
    body.write_text(head + levels + tail, encoding="utf-8")
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    try:
        assert _remind(cli, _plus(due, 9))["reminded"] == []
        assert _remind(cli, _plus(due, 10))["reminded"] == [{"invoice": number, "level": 1}]
        assert _remind(cli, _plus(due, 20), "--letter", "--out", tmp_path / "out")["reminded"] == [
            {"invoice": number, "level": 2}
        ]
        assert _remind(cli, _plus(due, 300))["reminded"] == []
    finally:
        schemes._catalog.cache_clear()
    assert [e["template"] for e in cli.json("letters", "log")] == ["mise-en-demeure"]


def test_email_sends_each_reminder_once_its_pdf_attached(cli, store, tmp_path, smtp_server):
    numbers = [_invoice(store, f"Zoé{i}") for i in range(2)]
    due = _due_on(cli, numbers[0])
    args = ("--email", "--out", tmp_path)
    done = _remind(cli, _plus(due, 15), *args)
    assert done["reminded"] == [{"invoice": n, "level": 1} for n in numbers]
    assert done["emailed"] == done["reminded"] and done["not_emailed"] == []
    assert sorted(r["To"] for r in smtp_server.received) == ["zoé0@example.fr", "zoé1@example.fr"]
    name, _ = smtp_server.received[0].attachments()[0]
    assert name.endswith(f"_relance_{numbers[0]}.pdf")
    assert _remind(cli, _plus(due, 15), *args)["emailed"] == []  # never twice
    assert len(smtp_server.received) == 2
    assert [e["channel"] for e in cli.json("letters", "log")] == ["email", "email"]


def test_dues_call_email(cli, store, tmp_path, smtp_server):
    _holder(store, "Léa", "lea@example.fr")
    day = "2028-01-10"
    done = cli.json("dues", "call", "--year", "2028", "--date", day, "--email", "--out", tmp_path)
    [invoice] = [i["number"] for i in done["invoiced"]]
    assert done["emailed"] == [invoice] and done["not_emailed"] == []
    [got] = smtp_server.received
    assert got["To"] == "lea@example.fr"
    assert got.attachments()[0][0] == f"{day}_appel-cotisation_{invoice}.pdf"
