"""Candidates (certcli/domain/candidates.py): add, edit, search, import and export, and
the values refused (a birth date must be plausible on the day of entry)."""

import json

from builders import add_candidate


def test_add_show_and_json_keys(cli):
    cid = add_candidate(
        cli,
        email="lea.martin@example.fr",
        phone="01 45 56 92 67",
        siret="732 829 320 00074",
        status="salarie",
        specialty=["economie", "programmation"],
        civility="mme",
        birth_date="03/04/1985",
        postcode="75011",
        city="Paris",
    )
    data = cli.json("candidate", "show", cid)
    assert data["id"] == cid
    assert data["first_name"] == "Léa" and data["last_name"] == "Martin"
    assert data["email"] == "lea.martin@example.fr"
    assert data["phone"] == "+33 1 45 56 92 67"
    assert data["siret"] == "73282932000074"
    assert data["birth_date"] == "1985-04-03"
    assert data["civility"] == "Mme"
    assert data["specialties"] == ["economie", "programmation"]


def test_invalid_values_are_refused_with_one_line(cli, unchanged):
    with unchanged():
        for flag, value, word in [
            ("--email", "not-an-email", "e-mail"),
            ("--siret", "12345678901234", "SIRET"),
            ("--phone", "12", "phone"),
            ("--status", "retraite", "status"),
            ("--postcode", "7501", "postcode"),
        ]:
            result = cli.fails(
                "candidate", "add", "--first-name", "A", "--last-name", "B", flag, value
            )
            assert word in result.stderr


def test_missing_name_is_refused(cli):
    assert "last name" in cli.fails("candidate", "add", "--first-name", "A").stderr


def test_duplicates_refused_unless_force(cli, unchanged):
    add_candidate(cli, email="x@example.fr", birth_date="1980-01-01")
    with unchanged():
        cli.fails(
            "candidate",
            "add",
            "--first-name",
            "Other",
            "--last-name",
            "Person",
            "--email",
            "X@example.fr",
        )
        cli.fails(
            "candidate",
            "add",
            "--first-name",
            "léa",
            "--last-name",
            "MARTIN",
            "--birth-date",
            "01/01/1980",
        )
    add_candidate(cli, email="x@example.fr", force=True)
    assert len(cli.json("candidate", "list")) == 2


def test_search_ignores_accents_and_case_and_paginates(cli):
    add_candidate(cli, "Hélène", "Dupont")
    add_candidate(cli, "Jean", "Durand")
    add_candidate(cli, "Helene", "Lefèvre")
    names = [c["last_name"] for c in cli.json("candidate", "list", "--search", "HELENE")]
    assert names == ["Dupont", "Lefèvre"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "helene dup")] == ["Dupont"]
    page2 = cli.json("candidate", "list", "--limit", "2", "--page", "2")
    assert [c["last_name"] for c in page2] == ["Lefèvre"]
    out = cli.ok("candidate", "list", "--limit", "2").stdout
    assert "1-2 of 3" in out and "--page 2" in out


def test_edit_changes_and_audits(cli):
    cid = add_candidate(cli)
    cli.ok(
        "candidate",
        "edit",
        cid,
        "--city",
        "Lyon",
        "--member-space-issued",
        "2026-06-01",
        "--as",
        "claire",
    )
    data = cli.json("candidate", "show", cid)
    assert data["city"] == "Lyon" and data["member_space_issued_on"] == "2026-06-01"
    log = cli.json("log", "--entity", "candidate", "--record", str(cid))
    assert log[0]["action"] == "candidate.edit" and log[0]["by"] == "claire"
    assert log[0]["details"]["city"] == ["Nantes", "Lyon"]  # before (the builder's), after


def test_unknown_candidate(cli):
    assert "no candidate with id 99" in cli.fails("candidate", "show", "99").stderr


def test_import_reports_bad_rows_and_inserts_good_ones(cli, tmp_path, unchanged):
    csv_bytes = (
        (
            "first_name;last_name;email;siret;status\n"
            "Léa;Martin;lea@example.fr;73282932000074;salarie\n"
            "Bad;Mail;not-a-mail;;salarie\n"
            "Bad;Siret;b@example.fr;12345678901234;salarie\n"
            ";NoFirst;;;\n"
        ).encode()
        + "Zoé;Latin;z@example.fr;;demandeur\n".encode("latin-1")
        + b"Marc;Petit;marc@example.fr;;demandeur\n"
    )
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes)
    result = cli.json("candidate", "import", path)
    assert result["total"] == 6 and result["inserted"] == 2
    reasons = {r["line"]: r["reason"] for r in result["rejected"]}
    assert "e-mail" in reasons[3] and "SIRET" in reasons[4] and "first name" in reasons[5]
    assert "utf-8" in reasons[6] and "--encoding" in reasons[6]
    names = sorted(c["last_name"] for c in cli.json("candidate", "list"))
    assert names == ["Martin", "Petit"]
    # Importing the same file again: the good rows are now duplicates, so every row is
    # rejected: the import failed (exit 1), its JSON still lists why, nothing is written.
    with unchanged():
        again = cli("candidate", "import", path, "--json")
        assert again.exit_code == 1
        assert (
            again.stderr == "Error: every row of in.csv was rejected (6 of 6): nothing imported\n"
        )
        data = json.loads(again.stdout)
        assert (data["inserted"], len(data["rejected"])) == (0, 6)
        assert "duplicate" in data["rejected"][0]["reason"]
        shown = cli.fails("candidate", "import", path)
        assert "0 of 6 rows imported; 6 rejected." in shown.stdout
        assert "Rejected rows" in shown.stdout and "not-a-mail" not in shown.stderr
        assert "e-mail" in shown.stdout and "every row" in shown.stderr


def test_import_with_encoding_and_dry_run(cli, tmp_path, unchanged):
    path = tmp_path / "latin.csv"
    path.write_bytes("prénom,nom,ville\nZoé,Lefèvre,Orléans\n".encode("cp1252"))
    with unchanged():
        out = cli.ok("candidate", "import", path, "--encoding", "cp1252", "--dry-run").stdout
        assert "1 of 1 rows would be imported" in out
    cli.ok("candidate", "import", path, "--encoding", "cp1252")
    assert cli.json("candidate", "list")[0]["city"] == "Orléans"


def test_import_unknown_column_is_an_error(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("first_name,shoe_size\nA,42\n")
    assert "shoe_size" in cli.fails("candidate", "import", path).stderr


def test_export_csv_roundtrip_and_json(cli, tmp_path):
    add_candidate(cli, "Zoé", "Lefèvre", specialty=["economie"], directory_consent=True)
    out = tmp_path / "out.csv"
    cli.ok("candidate", "export", "--out", out)
    text = out.read_text(encoding="utf-8")
    assert "Zoé" in text and "economie" in text and "oui" in text
    data = json.loads(cli.ok("candidate", "export", "--format", "json").stdout)
    assert data[0]["last_name"] == "Lefèvre"


def test_search_index_follows_edits_and_short_words(cli):
    cid = add_candidate(cli, "Noé", "Roux")
    assert cli.json("candidate", "list", "-s", "roux")[0]["id"] == cid
    cli.ok("candidate", "edit", cid, "--last-name", "Rousseau")
    assert cli.json("candidate", "list", "-s", "roux") == []
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "rousseau")] == ["Rousseau"]
    assert cli.json("candidate", "list", "-s", "no ro")[0]["id"] == cid  # short words: scan


def test_export_then_import_into_a_new_register(cli, tmp_path):
    add_candidate(
        cli,
        "Zoé",
        "Lefèvre",
        email="zoe@example.fr",
        specialty=["economie"],
        directory_consent=True,
        postcode="45000",
        city="Orléans",
    )
    add_candidate(cli, "Marc", "Petit", status="demandeur")
    out = tmp_path / "register.csv"
    cli.ok("candidate", "export", "--out", out)
    first = cli.json("candidate", "list")
    other = tmp_path / "other.db"
    cli.ok("--db", other, "init")
    assert cli.json("--db", other, "candidate", "import", out)["inserted"] == 2
    second = cli.json("--db", other, "candidate", "list")
    strip = [{k: v for k, v in c.items() if k not in ("id", "created_on")} for c in first]
    assert [{k: v for k, v in c.items() if k not in ("id", "created_on")} for c in second] == strip


def test_birth_date_must_be_plausible_on_the_day_of_entry(cli, unchanged):
    base = [
        "candidate",
        "add",
        "--first-name",
        "Léa",
        "--last-name",
        "Martin",
        "--date",
        "2026-06-15",
        "--birth-date",
    ]
    with unchanged():
        assert (
            "birth date 2030-01-01 is after the date of this entry (2026-06-15)"
            in cli.fails(*base, "2030-01-01").stderr
        )
        assert (
            "implausible birth date 2010-06-16: the candidate would be 15 on 2026-06-15 "
            "(at least 16 expected)"
        ) in cli.fails(*base, "2010-06-16").stderr
    cid = cli.json(*base, "2010-06-15")["id"]  # 16 that day
    with unchanged():
        assert (
            "is after the date of this entry"
            in cli.fails(
                "candidate", "edit", cid, "--birth-date", "2027-01-01", "--date", "2026-06-20"
            ).stderr
        )
