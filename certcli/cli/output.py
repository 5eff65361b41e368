"""Text on its way to the operator's terminal: the one rule of what may be printed.

Control characters, undecodable bytes and other invisible characters are shown as
escapes, never sent raw: a name holding a terminal sequence cannot repaint the
screen. Every `Error:` line (certcli.cli.app) and every line a command prints
(certcli.cli.common.say, its tables) goes through here. Standard library only:
the error wrapper imports it at start-up.
"""

from __future__ import annotations


def printable(text: object, limit: int = 300) -> str:
    """One printable line: control characters, undecodable bytes and other invisible
    characters shown as escapes, never sent raw to the operator's terminal."""
    text = str(text)
    if text.isprintable():
        # Nearly every cell of a listing: no character to escape, so no Python
        # loop over its characters (an `--all` listing prints millions of them).
        return text if len(text) <= limit else text[: limit - 3] + "..."
    import unicodedata  # only for text that is not printable as it is (rare)

    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable() or unicodedata.category(ch) == "Zs":
            # Zs: the no-break spaces of formatted amounts ("120,00 €") are text.
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    line = "".join(out)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def printable_lines(value: object) -> str:
    """Stored text as it may reach the terminal, line breaks kept: each line made
    `printable`, uncut (an old database may hold control characters)."""
    return "\n".join(printable(line, limit=1 << 30) for line in str(value).split("\n"))
