"""Tables on a narrow terminal: no column squeezed to nothing, no date or number cut."""

from certcli.cli import common


def test_narrow_terminal_keeps_every_column_readable(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    columns = ["ref", "holder", "scheme", "filed", "deadline", "from", "session", "outcome"]
    rows = [
        [
            "2026-0002",
            "10 Océane André",
            "ECO",
            "2026-07-28",
            "2026-08-18",
            "decision",
            "2026-10-26",
            "granted",
        ]
    ]
    common.table(columns, rows)
    out = capsys.readouterr().out
    for whole in (
        "2026-0002",
        "2026-07-28",
        "2026-08-18",
        "2026-10-26",
        "decision",
        "granted",
        "holder",
        "outcome",
        "Océane",
    ):
        assert whole in out, (whole, out)


def test_wide_terminal_table_is_no_wider_than_its_content(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "200")
    common.table(["id", "name"], [["1", "Léa Martin"]])
    widths = {len(line) for line in capsys.readouterr().out.splitlines()}
    assert max(widths) < 40


def _both(monkeypatch, capsys, columns, rows, **titles):
    """The table as printed (plain when it can be) and as rich prints it."""
    common.table(columns, rows, **titles)
    ours = capsys.readouterr().out
    with monkeypatch.context() as m:
        m.setattr(common, "_plain_table", lambda *args: None)
        common.table(columns, rows, **titles)
    return ours, capsys.readouterr().out


def test_plain_table_is_rich_table_character_for_character(monkeypatch, capsys):
    """Output that is not a terminal skips rich when the table fits: the same text."""
    import random

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    pick = random.Random(20)
    alphabet = "abcXYZ  0123-éÉçœ€\u202f\xa0’[b]…"
    word = lambda n: "".join(pick.choice(alphabet) for _ in range(pick.randint(0, n)))  # noqa: E731
    plain = 0
    for _ in range(300):
        columns = [word(8) or "c" for _ in range(pick.randint(1, 6))]
        rows = [[word(14) for _ in columns] for _ in range(pick.randint(0, 4))]
        if rows and pick.random() < 0.2:
            rows[0][0] = None
        titles = {
            "title": pick.choice([None, "", word(30)]),
            "caption": pick.choice([None, word(30)]),
        }
        ours, theirs = _both(monkeypatch, capsys, columns, rows, **titles)
        assert ours == theirs, (columns, rows, titles)
        plain += (
            common._plain_table(
                columns, [["" if c is None else c for c in r] for r in rows], **titles
            )
            is not None
        )
    assert plain > 50  # and many of them took the plain path


def test_rich_lays_out_what_the_plain_table_cannot(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "30")
    wide = [["2026-0001", "a holder with a long name indeed", "a second text to fold"]]
    assert common._plain_table(["ref", "holder", "x"], wide, None, None) is None  # two fold
    assert common._plain_table(["ref"], [["two\nlines"]], None, None) is None
    assert common._plain_table(["name"], [["山田"]], None, None) is None  # wide characters
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert common._plain_table(["ref"], [["1"]], None, None) is None  # colour asked for


def test_a_table_wider_than_the_console_folds_as_rich_folds(monkeypatch, capsys):
    """One column of free text in a table wider than the console: rich folds it (word
    breaks, a long word cut, spaces at the break dropped), and so does the plain
    writer, character for character (dossier show's history)."""
    import random

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    pick = random.Random(7)
    letters = "abcdeXYZ0123-é€’…\xa0\u202f"
    folded = 0
    for _ in range(400):
        monkeypatch.setenv("COLUMNS", str(pick.randint(20, 90)))

        def atom(n):
            return "".join(pick.choice(letters) for _ in range(pick.randint(0, n)))

        def text():
            words = [atom(pick.choice([3, 8, 40])) for _ in range(pick.randint(0, 14))]
            return "".join(w + pick.choice([" ", "  ", " ", "\xa0"]) for w in words)[
                : pick.randint(0, 200)
            ]

        free = pick.randrange(4)
        columns = [pick.choice(["date", "event", "details", "by", "x"]) for _ in range(4)]
        rows = [
            [text() if i == free else atom(10).replace(" ", "") for i in range(4)]
            for _ in range(pick.randint(1, 5))
        ]
        title = pick.choice([None, "History"])
        ours, theirs = _both(monkeypatch, capsys, columns, rows, title=title)
        assert ours == theirs, (columns, rows)
        texts = [["" if c is None else c for c in r] for r in rows]
        widths = [max(len(c), *(len(r[i]) for r in texts)) for i, c in enumerate(columns)]
        wide = 1 + sum(w + 3 for w in widths) > int(common._console_width())
        folded += wide and common._plain_table(columns, texts, title, None) is not None
    assert folded > 50  # and many of them were folded without rich
