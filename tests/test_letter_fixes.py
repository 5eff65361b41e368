"""Letters that must not go out wrong: an appeal outcome before the appeal is heard,
a refusal for a granted dossier, another dossier's invoice or period, a blank
address block, a renewal reminder sent twice. Records are made with the real
commands (commission decide, appeal file/decide, dues call, renewals remind)."""

import datetime as dt
import html as htmlmod
import json
import re
from pathlib import Path

import pytest
from commission_helpers import decide_at, report_ready, session, transmit_cqpt

from certcli.domain import candidates


def addressed(store, first="Hélène", last="Lefèvre", **extra) -> int:
    values = {
        "first_name": first,
        "last_name": last,
        "civility": "Mme",
        "address": "12 rue des Écoles",
        "postcode": "75005",
        "city": "Paris",
        **extra,
    }
    return candidates.add(store, values, date=dt.date(2026, 1, 5), force=True).id


def render(cli, template, option, ref, out, date, *extra):
    path = (
        cli.ok(
            "letters",
            "render",
            template,
            option,
            ref,
            "--format",
            "html",
            "--out",
            out,
            "--date",
            date,
            *extra,
        )
        .stdout.strip()
        .splitlines()[0]
    )
    body = Path(path).read_text(encoding="utf-8").split("<body>", 1)[1]
    return re.sub(r"[\s\u202f\xa0]+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", body)))


def refused(cli, store, cid=None, date="2026-06-15", reason="expérience insuffisante"):
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=cid or addressed(store))
    sid = session(cli, date)
    cli.ok("commission", "agenda", sid, "--date", date)
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", reason)
    return ref


# -- 1. the appeal outcome ----------------------------------------------------------------------
def test_appeal_outcome_waits_for_the_outcome_and_gives_the_commissions_reason(
    cli, store, tmp_path, unchanged
):
    ref = refused(cli, store)
    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "decision-recours",
            "--dossier",
            ref,
            "--format",
            "html",
            "--out",
            tmp_path / "out",
            "--date",
            "2026-07-02",
        ).stderr
    assert err.strip() == (
        f"Error: template 'decision-recours': the appeal of dossier {ref} "
        "(filed on 2026-07-01) has no outcome yet: record it with "
        f"`certcli appeal decide {ref}` first"
    )
    assert not (tmp_path / "out").exists()

    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok("appeal", "decide", ref, "--refuse", "--reason", "les références ne sont pas datées")
    text = render(cli, "decision-recours", "--dossier", ref, tmp_path, "2026-09-15")
    assert (
        "Commission de recours, réunie le 14 septembre 2026, a confirmé la décision de "
        "refus. Motif : les références ne sont pas datées."
    ) in text
    assert "J'ai des références" not in text


# -- 2. the refusal -----------------------------------------------------------------------------
def test_no_refusal_letter_for_a_granted_dossier(cli, store, tmp_path, unchanged):
    granted = decide_at(cli, store, "2026-06-15", candidate=addressed(store))["ref"]
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "refus",
            "--dossier",
            granted,
            "--format",
            "html",
            "--out",
            tmp_path,
            "--date",
            "2026-06-16",
        ).stderr
    assert f"template 'refus': dossier {granted} is 'granted': a refusal letter" in err


def test_refusal_after_the_appeal_speaks_of_the_first_decision(cli, store, tmp_path):
    ref = refused(cli, store)
    first = render(cli, "refus", "--dossier", ref, tmp_path, "2026-06-16")
    assert "Commission d'attribution, lors de sa séance du 15 juin 2026" in first
    assert "au plus tard le 15 août 2026" in first

    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok("appeal", "decide", ref, "--refuse", "--reason", "refus confirmé")
    text = render(cli, "refus", "--dossier", ref, tmp_path, "2026-09-15")
    assert "la Commission d'attribution, lors de sa séance du 15 juin 2026, n'a pas accordé" in text
    assert "Motif de la décision : expérience insuffisante." in text
    assert (
        "Saisie de votre demande de recours du 1er juillet 2026, la Commission de recours "
        "a confirmé cette décision lors de sa séance du 14 septembre 2026. Elle est définitive."
    ) in text
    assert "au plus tard" not in text and "refus confirmé" not in text


# -- 3. the notification: this dossier's invoice, period and mentions ---------------------------
def test_notification_names_the_mentions_granted(cli, store, tmp_path):
    ref = decide_at(
        cli, store, "2026-06-15", "--grant", "--mention", "BIM", candidate=addressed(store)
    )["ref"]
    text = render(cli, "notification", "--dossier", ref, tmp_path, "2026-06-16")
    assert (
        "vous a accordé la certification « Économiste de la construction » avec la "
        "mention BIM." in text
    )


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_notification_uses_its_own_invoice_and_period(cli, store, tmp_path):
    cid = addressed(store)
    first = decide_at(cli, store, "2026-06-15", candidate=cid)
    assert (first["certificate"], first["invoice"]) == ("ECO-2026-0001", "F-2026-00001")
    assert cli.json("dues", "call", "--year", "2030", "--date", "2030-01-05")["count"] == 1
    renewal = report_ready(
        cli,
        store,
        kind="renewal",
        certificate="ECO-2026-0001",
        candidate=cid,
        opened="2030-01-10",
        report_on="2030-04-01",
    )
    second = decide_at(cli, store, "2030-05-20", ref=renewal)
    assert second["invoice"] is None  # the year's dues were called already

    text = render(cli, "notification", "--dossier", renewal, tmp_path, "2030-05-21")
    assert "valable du 15 juin 2030 au 14 juin 2034 inclus" in text
    assert "F-20" not in text and "ci-joint la facture" not in text
    assert (
        "Cette décision n'appelle pas de facture : la cotisation annuelle (360,00 €) "
        "vous est appelée chaque année en début d'année." in text
    )

    again = render(cli, "notification", "--dossier", first["ref"], tmp_path, "2030-05-21")
    assert "valable du 15 juin 2026 au 14 juin 2030 inclus" in again
    assert "F-2026-00001" in again and "210,00 €" in again and "7 mois" in again
    logged = {(e["dossier"], e["invoice"]) for e in cli.json("letters", "log")}
    assert logged == {(renewal, None), (first["ref"], "F-2026-00001")}


# -- 4. no letter without a postal address ------------------------------------------------------
def test_no_letter_without_a_postal_address(cli, store, tmp_path, unchanged):
    cid = candidates.add(
        store,
        {"first_name": "Zed", "last_name": "Late", "city": "Lyon"},
        date=dt.date(2026, 1, 5),
        force=True,
    ).id
    ref = cli.json("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01")[
        "ref"
    ]
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "accuse-reception",
            "--dossier",
            ref,
            "--format",
            "html",
            "--out",
            tmp_path / "out",
            "--date",
            "2026-03-02",
        ).stderr
    assert err.strip() == (
        f"Error: candidate {cid} (Zed Late) has no postal address "
        f"(address, postcode): add it with `certcli candidate edit {cid} "
        "--address … --postcode …`"
    )
    assert not (tmp_path / "out").exists()


def _holder(cli, store, granted_on, **who):
    cid = addressed(store, **who)
    return cid, decide_at(cli, store, granted_on, candidate=cid)["certificate"]


def _remind(cli, tmp_path, *extra):
    return ["renewals", "remind", "--months", "9", "--format", "html", "--out", tmp_path, *extra]


def test_remind_skips_a_holder_without_address_and_records_the_others(cli, store, tmp_path):
    _, posted = _holder(cli, store, "2026-03-12")
    late, unposted = _holder(cli, store, "2026-03-20", first="Zed", last="Late")
    cli.ok("candidate", "edit", late, "--address", "", "--date", "2026-04-01")
    assert store.candidate(late)["address"] in (None, "")
    result = cli.fails(*_remind(cli, tmp_path, "--date", "2029-09-01", "--json"))
    reason = (
        f"candidate {late} (Zed Late) has no postal address (address): add it with "
        f"`certcli candidate edit {late} --address …`"
    )
    data = json.loads(result.stdout)
    assert data["reminded"] == [posted] and len(data["files"]) == 1
    assert data["skipped"] == [{"certificate": unposted, "reason": reason}]
    assert result.stderr.strip() == (
        f"Error: 1 certificate(s) skipped, no reminder recorded: "
        f"{unposted}; complete them and run `certcli renewals "
        "remind` again"
    )
    assert [
        r[0]
        for r in store.all(
            "SELECT c.number FROM reminders r JOIN certificates c ON c.id = r.certificate_id"
        )
    ] == [posted]
    assert [e["certificate"] for e in cli.json("letters", "log")] == [posted]

    text = cli.fails(*_remind(cli, tmp_path, "--date", "2029-09-02", "--one-file")).stdout
    assert text.splitlines() == ["reminded 0 certificate(s)", f"skipped {unposted}: {reason}"]
    cli.ok("candidate", "edit", late, "--address", "3 quai Ouest", "--date", "2029-09-03")
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-03"))["reminded"] == [unposted]


# -- 5. a reminder sent by hand is the period's reminder ----------------------------------------
def test_manual_reminder_is_recorded_and_never_sent_twice(cli, store, tmp_path, unchanged):
    _, number = _holder(cli, store, "2026-03-12")
    args = [
        "letters",
        "render",
        "rappel-renouvellement",
        "--certificate",
        number,
        "--format",
        "html",
        "--out",
        tmp_path,
    ]
    with unchanged():
        cli.ok(*args, "--date", "2029-08-01", "--dry-run")
    cli.ok(*args, "--date", "2029-08-02")
    due = cli.json("renewals", "due", "--as-of", "2029-09-01")
    assert [(d["certificate"], d["reminded_on"]) for d in due] == [(number, "2029-08-02")]
    reminder = store.one("SELECT * FROM reminders")
    assert reminder["letter_id"] == store.scalar("SELECT id FROM letters")
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-01")) == {
        "reminded": [],
        "files": [],
        "skipped": [],
    }
    with unchanged():
        err = cli.fails(*args, "--date", "2029-09-05").stderr
    assert err.strip() == (
        f"Error: certificate {number}: the renewal reminder for the period "
        "ending 2030-03-11 was already sent on 2029-08-02; it is never "
        "sent twice"
    )


def test_no_reminder_for_a_withdrawn_certificate(cli, store, tmp_path, unchanged):
    _, number = _holder(cli, store, "2026-03-12")
    cli.ok("certificate", "withdraw", number, "--reason", "faute", "--date", "2026-06-01")
    out = tmp_path / "courrier"
    args = [
        "letters",
        "render",
        "rappel-renouvellement",
        "--certificate",
        number,
        "--format",
        "html",
        "--out",
        out,
    ]
    with unchanged():
        for extra in ((), ("--dry-run",)):
            err = cli.fails(*args, "--date", "2029-09-01", *extra).stderr
            assert f"certificate {number} was withdrawn" in err
    assert not out.exists() or list(out.iterdir()) == []


# -- 6. remind's window and --months ------------------------------------------------------------
def test_remind_window_follows_date_and_months_are_capped(cli, store, tmp_path, unchanged):
    _, number = _holder(cli, store, "2026-03-12")  # valid until 2030-03-11
    with unchanged():
        err = cli.fails(
            *_remind(cli, tmp_path, "--as-of", "2029-09-01", "--date", "2029-08-31")
        ).stderr
        assert "--date 2029-08-31 is before --as-of 2029-09-01" in err
        for months in ("0", "49", "100000"):
            for command in (
                ["renewals", "due", "--as-of", "2029-09-01"],
                _remind(cli, tmp_path, "--date", "2029-09-01"),
            ):
                err = cli.fails(*command, "--months", months).stderr
                assert f"invalid --months {months}: between 1 and 48" in err
    assert [
        d["certificate"]
        for d in cli.json("renewals", "due", "--months", "48", "--as-of", "2026-03-12")
    ] == [number]
    # --date alone: the window is computed on that day, not on today.
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-01"))["reminded"] == [number]


def test_decision_letters_wait_for_the_decision(cli, store, tmp_path, unchanged):
    ready = report_ready(cli, store, candidate=addressed(store))
    cqpt = transmit_cqpt(cli, store, session(cli, "2026-10-05", "cpne"), candidate=addressed(store))
    with unchanged():
        for template, ref, status in (
            ("notification", ready, "report_ready"),
            ("cqpt-decision", cqpt, "transmitted"),
        ):
            err = cli.fails(
                "letters",
                "render",
                template,
                "--dossier",
                ref,
                "--out",
                tmp_path,
                "--date",
                "2026-06-16",
            ).stderr
            assert f"template '{template}': dossier {ref} is '{status}'" in err


def test_appeal_granted_letters(cli, store, tmp_path):
    ref = refused(cli, store)
    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok(
        "appeal",
        "decide",
        ref,
        "--grant",
        "--reason",
        "références probantes",
        "--date",
        "2026-09-14",
    )
    text = render(cli, "decision-recours", "--dossier", ref, tmp_path, "2026-09-15")
    assert (
        "a fait droit à votre recours et vous accorde la certification sous le n° ECO-2026-0001"
    ) in text
    assert "Motif : références probantes." in text and "J'ai des références" not in text
    notice = render(cli, "notification", "--dossier", ref, tmp_path, "2026-09-15")
    assert "la Commission de recours, réunie le 14 septembre 2026, vous a accordé" in notice
    assert "Commission d'attribution" not in notice
    assert "F-2026-00001" in notice and "4 mois" in notice
