"""`certcli completion`: tab completion for bash, zsh and fish.

The shell calls certcli back with `_CERTCLI_COMPLETE` set (CertcliGroup answers it
before any command runs); this sub-app only writes or prints the script that does so.
Typer's own `--install-completion` root options stay off: building them costs every
command's start-up, this sub-app loads only when used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["completion"], no_args_is_help=True)

PROG = "certcli"
COMPLETE_VAR = "_CERTCLI_COMPLETE"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def _shell(given: Shell | None) -> str:
    if given is not None:
        return given.value
    import shellingham  # Typer's own dependency, loaded only here

    from certcli.errors import ValidationError

    try:
        name = shellingham.detect_shell()[0].lower()
    except shellingham.ShellDetectionFailure:
        name = None
    if name not in {s.value for s in Shell}:
        found = f"your shell is {name}" if name else "your shell could not be detected"
        raise ValidationError(f"{found}: pass --shell bash, zsh or fish")
    return name


@app.command("install")
def completion_install(
    shell: Annotated[
        Shell | None,
        typer.Option("--shell", help="bash, zsh or fish [default: the shell this runs in]."),
    ] = None,
):
    """Install tab completion for your shell: bash (~/.bash_completions/certcli.sh, sourced
    from ~/.bashrc), zsh (~/.zfunc/_certcli) or fish (~/.config/fish/completions).
    It takes effect in a new terminal.

    Example: certcli completion install --shell bash
    """
    from typer.completion import install

    name, path = install(shell=_shell(shell), prog_name=PROG, complete_var=COMPLETE_VAR)
    common.say(f"{name} completion installed in {path}; open a new terminal to use it.")


@app.command("show")
def completion_show(
    shell: Annotated[Shell, typer.Option("--shell", help="bash, zsh or fish.")],
):
    """Print the completion script, to install it by hand (e.g. in a system folder).

    Example: certcli completion show --shell zsh > ~/.zfunc/_certcli
    """
    from typer.completion import get_completion_script

    common.say(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell.value))
