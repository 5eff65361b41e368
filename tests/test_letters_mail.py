"""E-mail (certcli/letters/mail.py, smtp.py): a letter's PDF sent through the outbox
to a real SMTP server on loopback (aiosmtpd), exactly once; what the server got
(headers, text, the PDF); a server that refuses (550) or is down; the queue and
flush; dry runs; the letter log's channels; `mail test`; `config`."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import builders
import letter_records as R
import pytest
from instruction_helpers import d_open

DAY = dt.date(2026, 3, 1)
SENDER = "Secrétariat OPQTECC <secretariat@opqtecc.org>"


def holder(store, email="lea@example.org") -> int:
    return R.candidate(store, "Léa", "Martin", email=email)


def check_email(cli, store, tmp_path, *extra, email="lea@example.org"):
    ref = d_open(store, holder(store, email), date=DAY)
    out = ["--out", tmp_path / "out"]
    return ref, cli("dossier", "check", ref, "--date", "2026-03-02", "--email", *out, *extra)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    raw = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[\s\u202f\xa0]+", " ", raw)


def test_a_letter_goes_by_email_with_its_pdf(cli, store, tmp_path, smtp_server):
    ref, result = check_email(cli, store, tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    assert data["complete"] is False
    [got] = smtp_server.received
    assert got["From"] == SENDER
    assert got["To"] == "lea@example.org"
    assert got["Subject"] == f"OPQTECC – dossier n° {ref} incomplet"
    assert got["Message-ID"] == data["email"]["message_id"]
    assert re.fullmatch(r"<[^@>]+@opqtecc\.org>", got["Message-ID"])
    assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", got["Date"])
    assert got.sender == "secretariat@opqtecc.org" and got.recipients == ["lea@example.org"]
    assert "Madame," in got.text and f"Votre dossier n° {ref} est incomplet" in got.text
    assert "ci-joint notre courrier, au format PDF" in got.text
    assert f"n°&nbsp;{ref}" in got.html
    [(name, pdf)] = got.attachments()
    letter = Path(data["letter"])
    assert name == letter.name == f"2026-03-02_dossier-incomplet_{ref}.pdf"
    assert pdf == letter.read_bytes()  # the very letter logged
    text = pdf_text(pdf)
    assert "il manque les éléments suivants" in text and ref in text
    assert data["email"]["status"] == "sent" and data["email"]["to"] == "lea@example.org"
    # The log proves it: e-mailed (not for the post), with its Message-ID.
    [logged] = cli.json("letters", "log", "--dossier", ref)
    assert logged["channel"] == "email" and logged["status"] == "sent"
    assert logged["message_id"] == got["Message-ID"] and logged["path"] == str(letter)
    [queued] = cli.json("mail", "queue")
    assert {k: queued[k] for k in ("id", "to", "subject", "status", "error")} == {
        "id": 1,
        "to": "lea@example.org",
        "subject": got["Subject"],
        "status": "sent",
        "error": None,
    }
    shown = cli.ok("letters", "log", "--dossier", ref).stdout
    assert "e-mailed to lea@example.org" in shown
    # Flushing again sends nothing: it went once.
    assert cli.json("mail", "flush")["sent"] == []
    assert len(smtp_server.received) == 1


def test_the_text_output_names_the_letter_and_the_message(cli, store, tmp_path, smtp_server):
    ref, result = check_email(cli, store, tmp_path)
    assert result.exit_code == 0, result.stderr
    message_id = smtp_server.received[0]["Message-ID"]
    assert f"E-mailed to lea@example.org: {message_id}" in result.stdout


def test_email_and_post_do_both(cli, store, tmp_path, smtp_server):
    ref, result = check_email(cli, store, tmp_path, "--post")
    assert result.exit_code == 0, result.stderr
    channels = [(i["channel"], i["status"]) for i in cli.json("letters", "log", "--dossier", ref)]
    assert channels == [("post", "posted"), ("email", "sent")]
    assert len(smtp_server.received) == 1


def test_letter_alone_is_posted_and_sends_nothing(cli, store, tmp_path, smtp_server):
    ref = d_open(store, holder(store), date=DAY)
    cli.ok("dossier", "check", ref, "--date", "2026-03-02", "--letter", "--out", tmp_path)
    [logged] = cli.json("letters", "log", "--dossier", ref)
    assert logged["channel"] == "post" and logged["message_id"] is None
    assert smtp_server.received == [] and cli.json("mail", "queue") == []


def test_a_candidate_without_email_is_reported(cli, store, tmp_path, smtp_server):
    ref, result = check_email(cli, store, tmp_path, email="")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {ref}: the step is recorded but nothing was e-mailed")
    assert "has no e-mail address" in line and "candidate edit" in line
    assert cli.json("dossier", "show", ref)["status"] == "incomplete"  # the step is kept
    [logged] = cli.json("letters", "log", "--dossier", ref)
    assert logged["channel"] == "post"  # rendered, for the post
    assert smtp_server.received == [] and cli.json("mail", "queue") == []


def test_a_refusing_server_marks_the_message_failed(cli, store, tmp_path, refusing_smtp):
    ref, result = check_email(cli, store, tmp_path)
    assert result.exit_code == 1
    assert "refused the e-mail for good: 550 5.7.1 Mailbox unavailable" in result.stderr
    [failed] = cli.json("mail", "queue")
    assert failed["status"] == "failed"
    assert failed["error"] == "550 5.7.1 Mailbox unavailable: relaying denied"
    [logged] = cli.json("letters", "log", "--dossier", ref)
    assert logged["status"] == "failed" and logged["error"].startswith("550")
    # A failed message is never retried.
    assert cli.json("mail", "flush") == {
        "sent": [],
        "queued": [],
        "failed": [],
        "waiting": [],
        "files": [],
        "error": None,
    }


def test_a_server_down_leaves_it_queued_then_flush_sends_it(
    cli, store, tmp_path, smtp_down, monkeypatch
):
    ref, result = check_email(cli, store, tmp_path)
    assert result.exit_code == 1
    assert "its e-mail is queued (cannot reach the SMTP server" in result.stderr
    assert "`certcli mail flush` sends it" in result.stderr
    [queued] = cli.json("mail", "queue")
    assert queued["status"] == "queued" and "cannot reach" in queued["error"]
    down = cli("mail", "flush", "--json")
    assert down.exit_code == 1 and "1 message(s) left queued" in down.stderr
    import smtp_server as smtp

    controller, server = smtp.start()
    try:
        monkeypatch.setenv("CERTCLI_SMTP_URL", server.url)
        flushed = cli.json("mail", "flush")
        assert [m["status"] for m in flushed["sent"]] == ["sent"]
        [got] = server.received
        assert got["Message-ID"] == queued["message_id"]  # made once, when recorded
        assert got.attachments()[0][0] == f"2026-03-02_dossier-incomplet_{ref}.pdf"
        assert cli.json("mail", "flush")["sent"] == []
        assert len(server.received) == 1
    finally:
        controller.stop()
    assert cli.json("mail", "queue", "--status", "sent")[0]["error"] is None


def test_email_is_refused_before_anything_is_recorded(cli, store, tmp_path, unchanged):
    ref = d_open(store, holder(store), date=DAY)
    snapshot = unchanged
    result = cli.fails("dossier", "check", ref, "--email", "--date", "2026-03-02")
    assert "no SMTP server is set" in result.stderr
    snapshot()


def test_email_needs_a_pdf(cli, store, smtp_server):
    ref = d_open(store, holder(store), date=DAY)
    result = cli.fails("dossier", "check", ref, "--email", "--format", "html")
    assert "--email sends the letter as a PDF" in result.stderr
    assert cli.json("dossier", "show", ref)["status"] != "incomplete"


def test_every_command_with_letter_has_email_and_post():
    from typer.main import get_command

    from certcli.cli.app import app

    root = get_command(app)
    found = []

    def walk(command, path):
        if hasattr(command, "commands"):
            for name in command.list_commands(None):
                walk(command.get_command(None, name), [*path, name])
            return
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        if "--letter" in options:
            found.append(" ".join(path))
            assert {"--email", "--post"} <= options, path

    walk(root, [])
    assert {"dossier check", "dossier receive", "commission decide", "cqpt orient"} <= set(found)


# -- batches -----------------------------------------------------------------------------------
def _holders(store, n, *, without_email=()):
    for i in range(n):
        email = "" if i in without_email else f"z{i}@example.fr"
        c = R.candidate(store, first=f"Zoé{i}", email=email)
        R.certificate(store, c, f"2026-03-{10 + i:02d}")  # ECO-2026-0001, ...


def remind(tmp_path, *extra):
    return [
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--date",
        "2029-09-01",
        "--out",
        tmp_path / "out",
        *extra,
    ]


def test_renewals_remind_emails_each_holder_once(cli, store, tmp_path, smtp_server):
    _holders(store, 3, without_email={1})
    result = cli(*remind(tmp_path, "--email", "--json"))
    assert result.exit_code == 1  # one holder skipped
    import json

    data = json.loads(result.stdout)
    assert data["reminded"] == ["ECO-2026-0001", "ECO-2026-0003"]
    assert data["emailed"] == ["ECO-2026-0001", "ECO-2026-0003"]
    assert data["skipped"][0]["certificate"] == "ECO-2026-0002"
    assert "has no e-mail address" in data["skipped"][0]["reason"]
    assert sorted(r["To"] for r in smtp_server.received) == ["z0@example.fr", "z2@example.fr"]
    got = smtp_server.to("z0@example.fr")[0]
    assert got["Subject"] == "OPQTECC – renouvellement de votre certification n° ECO-2026-0001"
    name, pdf = got.attachments()[0]
    assert name == "2029-09-01_rappel-renouvellement_ECO-2026-0001.pdf"
    assert "ECO-2026-0001" in pdf_text(pdf)
    rerun = cli(*remind(tmp_path, "--email", "--json"))
    again = json.loads(rerun.stdout)
    assert rerun.exit_code == 1 and again["skipped"][0]["certificate"] == "ECO-2026-0002"
    assert again["reminded"] == [] and again["emailed"] == []
    assert len(smtp_server.received) == 2
    assert [i["channel"] for i in cli.json("letters", "log")] == ["email", "email"]


def test_renewals_remind_email_dry_run_writes_eml_files(cli, store, tmp_path, unchanged):
    _holders(store, 2)
    snapshot = unchanged
    data = cli.json(*remind(tmp_path, "--email", "--dry-run"))
    assert data["emailed"] == ["ECO-2026-0001", "ECO-2026-0002"]
    emls = [Path(f) for f in data["files"] if f.endswith(".eml")]
    assert len(emls) == 2
    import email
    import email.policy

    msg = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "z0@example.fr" and "renouvellement" in msg["Subject"]
    [attached] = list(msg.iter_attachments())
    assert "ECO-2026-0001" in pdf_text(attached.get_content())
    snapshot()


def test_renewals_remind_with_the_server_down_queues_them(cli, store, tmp_path, smtp_down):
    _holders(store, 2)
    result = cli(*remind(tmp_path, "--email", "--json"))
    assert result.exit_code == 1 and "not e-mailed" in result.stderr
    import json

    data = json.loads(result.stdout)
    assert data["reminded"] == ["ECO-2026-0001", "ECO-2026-0002"] and data["emailed"] == []
    assert [m["status"] for m in cli.json("mail", "queue")] == ["queued", "queued"]


# -- mail test, config ---------------------------------------------------------------------------
def test_mail_test_reaches_the_server(cli, smtp_server):
    data = cli.json("mail", "test", "--to", "moi@example.org", "--body", "opqtecc")
    [got] = smtp_server.received
    assert got["To"] == "moi@example.org" and got["From"] == SENDER
    assert got["Subject"] == "OPQTECC – message de test de certcli"
    assert data["message_id"] == got["Message-ID"]
    cqpt = cli.json("mail", "test", "--to", "moi@example.org", "--body", "cqpt")
    assert smtp_server.received[1]["From"] == "Secrétariat du CQPT <cqpt@example.org>"
    assert cqpt["from"] == "cqpt@example.org"


def test_mail_test_says_the_server_is_down(cli, smtp_down):
    result = cli.fails("mail", "test", "--to", "moi@example.org")
    assert "cannot reach the SMTP server smtp://127.0.0.1:" in result.stderr


def test_mail_test_refused(cli, refusing_smtp):
    result = cli.fails("mail", "test", "--to", "moi@example.org")
    assert "refused the message: 550 5.7.1" in result.stderr


def test_config_file_settings(cli, tmp_path, monkeypatch):
    import smtp_server as smtp

    controller, server = smtp.start()
    try:
        cli.ok("config", "set", "smtp.host", "127.0.0.1")
        cli.ok("config", "set", "smtp.port", str(server.port))
        cli.ok("config", "set", "smtp.starttls", "false")
        cli.ok("config", "set", "mail.from_address", "bureau@example.org")
        shown = cli.json("config", "show")
        assert shown["smtp"]["host"] == "127.0.0.1" and shown["smtp"]["port"] == server.port
        assert shown["password"] == "none needed" and shown["problem"] is None
        cli.ok("mail", "test", "--to", "moi@example.org", "--body", "opqtecc")
        assert server.received[0].sender == "secretariat@opqtecc.org"  # the body's own first
    finally:
        controller.stop()
    assert f"port = {server.port}" in Path(shown["file"]).read_text()


def test_the_password_is_never_written(cli):
    result = cli.fails("config", "set", "smtp.password", "secret")
    assert "never stored" in result.stderr and "CERTCLI_SMTP_PASSWORD" in result.stderr


def test_a_login_needs_a_password(cli, monkeypatch):
    monkeypatch.setenv("CERTCLI_SMTP_URL", "smtp://bureau@127.0.0.1:2525?starttls=1")
    shown = cli.json("config", "show")
    assert shown["smtp"]["user"] == "bureau" and shown["smtp"]["starttls"] is True
    assert "no password for bureau@127.0.0.1" in shown["problem"]
    if not shown["keyring"]:
        assert "`keyring` is not installed" in shown["problem"]
    monkeypatch.setenv("CERTCLI_SMTP_PASSWORD", "s3cret")
    assert cli.json("config", "show")["password"] == "CERTCLI_SMTP_PASSWORD"


def test_the_url_may_not_hold_the_password(cli, monkeypatch):
    monkeypatch.setenv("CERTCLI_SMTP_URL", "smtp://bureau:s3cret@127.0.0.1:2525")
    assert "give it in CERTCLI_SMTP_PASSWORD" in cli.json("config", "show")["problem"]


@pytest.mark.parametrize("key, value", [("smtp.port", "http"), ("smtp.nope", "1")])
def test_config_refuses_bad_settings(cli, key, value):
    cli.fails("config", "set", key, value)


def test_builders_candidate_email_is_kept(store):
    cid = builders.candidate(store, email="x@example.org")
    assert store.one("SELECT email FROM candidates WHERE id = ?", (cid,))["email"]


# -- the identifiers ----------------------------------------------------------------------------
def test_send_credentials_sends_them_and_records_the_day(cli, store, smtp_server):
    cid = holder(store)
    d_open(store, cid, date=DAY)  # the letterhead and sender: its latest dossier's body
    result = cli(
        "candidate",
        "send-credentials",
        str(cid),
        "--password-stdin",
        "--url",
        "https://espace.example.org",
        "--date",
        "2026-03-05",
        "--json",
        input="Tr3s-secret\n",
    )
    assert result.exit_code == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    [got] = smtp_server.received
    assert got["Subject"] == "OPQTECC – vos identifiants de l'espace membre"
    assert "identifiant : lea@example.org" in got.text
    assert "mot de passe : Tr3s-secret" in got.text and "https://espace.example.org" in got.text
    assert got.attachments() == []
    assert data["status"] == "sent" and data["date"] == "2026-03-05"
    [logged] = cli.json("letters", "log", "--candidate", str(cid))
    assert logged["template"] == "identifiants" and logged["channel"] == "email"
    assert logged["date"] == "2026-03-05" and logged["message_id"] == got["Message-ID"]
    # Never stored: not in any table of the database.
    for table in ("outbox", "credentials", "audit_log"):
        for row in store.all(f"SELECT * FROM {table}"):
            assert "Tr3s-secret" not in " ".join(str(v) for v in tuple(row))


def test_send_credentials_with_the_server_down_fails_for_good(cli, store, smtp_down):
    cid = holder(store)
    result = cli.fails("candidate", "send-credentials", str(cid))
    assert "cannot reach the SMTP server" in result.stderr
    assert "send them again" in result.stderr
    [failed] = cli.json("mail", "queue")
    assert failed["status"] == "failed"


def test_flush_with_nothing_queued_needs_no_server(cli):
    assert cli.json("mail", "flush")["sent"] == []
    # An empty table captioned as every paged list's, no error.
    assert cli.ok("mail", "queue").stdout.split("\n")[-2].strip() == "none found"


def test_mail_queue_refuses_an_unknown_status(cli):
    assert "invalid status 'done'" in cli.fails("mail", "queue", "--status", "done").stderr


def test_mail_flush_dry_run_writes_the_queued_as_eml(cli, store, tmp_path, smtp_down):
    check_email(cli, store, tmp_path)  # queued: the server is down
    data = cli.json("mail", "flush", "--dry-run", "--out", tmp_path / "eml")
    [path] = data["files"]
    assert path.endswith(".eml") and "lea-at-example.org" in path
    assert [m["status"] for m in cli.json("mail", "queue")] == ["queued"]  # still to send


def test_letters_render_email_sends_a_letter_by_hand(cli, store, tmp_path, smtp_server):
    ref = d_open(store, holder(store), date=DAY)
    out = ["--out", tmp_path / "out", "--date", "2026-03-02"]
    data = cli.json("letters", "render", "accuse-reception", "--dossier", ref, "--email", *out)
    [got] = smtp_server.received
    assert data["email"]["status"] == "sent" and data["email"]["message_id"] == got["Message-ID"]
    assert got.attachments()[0][1] == Path(data["path"]).read_bytes()
    [logged] = cli.json("letters", "log", "--dossier", ref)
    assert logged["channel"] == "email"


def test_a_letter_rendered_for_the_post_is_emailed_later_by_hand(cli, store, tmp_path, smtp_server):
    """The way out the error of a candidate without an e-mail address names."""
    cid = holder(store, email="")
    ref = d_open(store, cid, date=DAY)
    cli.fails("dossier", "check", ref, "--email", "--date", "2026-03-02", "--out", tmp_path)
    cli.ok("candidate", "edit", str(cid), "--email", "lea@example.org")
    cli.ok(
        "letters",
        "render",
        "dossier-incomplet",
        "--dossier",
        ref,
        "--email",
        "--post",
        "--date",
        "2026-03-02",
        "--out",
        tmp_path,
    )
    assert [r["To"] for r in smtp_server.received] == ["lea@example.org"]


def test_a_temporary_refusal_leaves_it_queued(cli, store, tmp_path, monkeypatch):
    import smtp_server as smtp

    controller, server = smtp.start("451 4.3.0 Greylisted, try again later")
    monkeypatch.setenv("CERTCLI_SMTP_URL", server.url)
    try:
        ref, result = check_email(cli, store, tmp_path)
        assert result.exit_code == 1
        assert "its e-mail is queued (451 4.3.0 Greylisted" in result.stderr
        [queued] = cli.json("mail", "queue")
        assert queued["status"] == "queued" and queued["error"].startswith("451 4.3.0")
        server.answer = None  # the greylisting is over
        assert [m["id"] for m in cli.json("mail", "flush")["sent"]] == [queued["id"]]
        assert [r["Message-ID"] for r in server.received] == [queued["message_id"]]
    finally:
        controller.stop()


def test_the_mail_note_is_overridden_like_a_letter(cli, store, tmp_path, smtp_server):
    own = tmp_path / "modeles" / "mail"
    own.mkdir(parents=True)
    (own / "dossier-incomplet.txt").write_text(
        "Dossier {{ dossier.ref }} : il manque des pièces\n\nBonjour,\n\nVoir la lettre jointe.\n",
        encoding="utf-8",
    )
    ref, result = check_email(cli, store, tmp_path, "--templates", tmp_path / "modeles")
    assert result.exit_code == 0, result.stderr
    [got] = smtp_server.received
    assert got["Subject"] == f"Dossier {ref} : il manque des pièces"
    assert got.text.startswith("Bonjour,") and "Voir la lettre jointe." in got.text
    assert got.html == ""  # no HTML part: the built-in one would say something else


def test_a_merge_moves_the_duplicate_s_emails(cli, store, tmp_path, smtp_server):
    from test_domain_candidate_merge import _merge, _pair

    keep, drop = _pair(cli)
    cli.ok("candidate", "send-credentials", str(drop), "--date", "2026-03-05")
    done = _merge(cli, keep, drop)
    assert len(done["moved"]["emails"]) == 1
    [logged] = cli.json("letters", "log", "--candidate", str(keep))
    assert logged["template"] == "identifiants" and logged["to"] == "h.dupont@example.fr"


def test_a_message_claimed_by_a_live_run_is_left_to_it(monkeypatch):
    """Two desks flushing at once: the one whose process holds the claim sends it."""
    import datetime as dt_
    import os
    import socket

    from certcli.letters import mail

    here = socket.gethostname()
    now = dt_.datetime.now(dt_.UTC)
    assert mail._held_elsewhere(f"{here}:{os.getppid()}", now.isoformat())  # alive
    assert not mail._held_elsewhere(f"{here}:{os.getpid()}", now.isoformat())  # this run
    assert not mail._held_elsewhere(f"{here}:999999999", now.isoformat())  # killed
    fresh, stale = now.isoformat(), (now - dt_.timedelta(minutes=11)).isoformat()
    assert mail._held_elsewhere("other-host:12", fresh)
    assert not mail._held_elsewhere("other-host:12", stale)
    assert not mail._held_elsewhere(None, None)


def test_remind_email_and_post_do_both(cli, store, tmp_path, smtp_server):
    _holders(store, 2)
    data = cli.json(*remind(tmp_path, "--email", "--post"))
    assert data["emailed"] == ["ECO-2026-0001", "ECO-2026-0002"]
    assert [i["channel"] for i in cli.json("letters", "log")] == ["post", "email"] * 2
