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
