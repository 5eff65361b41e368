"""The Typer layer: parses arguments, calls the domain, prints."""

import os
import sys

from certcli.cli.app import app


def main() -> None:
    try:
        try:
            app()
        finally:
            # A small output sits in the buffer until exit: flush it here, where a
            # reader that went away (`certcli ... | head -1`) can still be handled.
            sys.stdout.flush()
    except BrokenPipeError:
        # As Unix tools do: stop quietly. Later flushes go to /dev/null so Python
        # does not report the closed pipe again at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


__all__ = ["app", "main"]
