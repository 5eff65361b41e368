"""The Typer layer: parses arguments, calls the domain, prints."""

import gc
import os
import sys

# Importing Typer and the root app makes some 17,000 objects that live until exit:
# the cyclic garbage collector is paused while they are made (it would walk them
# again and again for nothing), and main() freezes them.
_collecting = gc.isenabled()
gc.disable()
try:
    from certcli.cli.app import app
finally:
    if _collecting:
        gc.enable()


def main() -> None:
    # What is loaded so far stays until exit: frozen, the collector no longer walks it
    # (during the command, nor when the interpreter ends).
    gc.freeze()
    try:
        try:
            app()
        finally:
            # A small output sits in the buffer until exit: flush it here, where a
            # reader that went away (`certcli ... | head -1`) can still be handled.
            sys.stdout.flush()
            # The command is over (its database closed, its files written and closed):
            # what it loaded is frozen too, so the interpreter's last collections at
            # exit do not walk it (about 4 million instructions for `dossier show`).
            # Only the __del__ of a cycle left unreachable since the collector last
            # ran would not run at exit, which Python never promises anyway.
            gc.freeze()
    except BrokenPipeError:
        # As Unix tools do: stop quietly. Later flushes go to /dev/null so Python
        # does not report the closed pipe again at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


__all__ = ["app", "main"]
