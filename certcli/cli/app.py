"""The root of the command line: global options, sub-apps, the error wrapper."""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import sys
import typing
from typing import Annotated

import typer
import typer.main
from typer._click.exceptions import ClickException
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

from certcli import __version__
from certcli.cli.nouns import HELP as NOUN_HELP
from certcli.cli.output import printable
from certcli.errors import CertcliError


class CertcliGroup(TyperGroup):
    """Turns certcli's own errors into one `Error: ...` line and exit status 1.

    Every sub-command runs inside this invoke, so this is the one place where a
    domain exception meets the terminal. CERTCLI_DEBUG=1 shows the traceback.
    """

    # noun -> module of certcli.cli, imported only when that noun is used, so
    # `certcli info` does not pay for building sixteen sub-apps it never runs.
    lazy: dict[str, str] = {}
    # Top-level verb -> its registration, built into a command only when it runs.
    verbs: dict[str, CommandInfo] = {}

    def list_commands(self, ctx):
        order = [*self.verbs, *self.lazy]
        return [*order, *(name for name in self.commands if name not in order)]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands:
            if cmd_name in self.verbs:
                self.commands[cmd_name] = _command(self.verbs[cmd_name])
            elif cmd_name in self.lazy:
                module = importlib.import_module(f"certcli.cli.{self.lazy[cmd_name]}")
                self.commands[cmd_name] = _noun_group(module.app, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx, formatter):
        """The command list of `certcli --help`, reading each sub-app's help from its
        Typer object instead of building every sub-command (half of --help's time)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            elif name in self.verbs:
                # Click's own shortening, as the command would give once built.
                rows.append((name, make_default_short_help(_help_of(self.verbs[name]), limit)))
            else:
                # The noun's help as its sub-app has it (certcli.cli.nouns), its module
                # not imported: importing the 28 of them was a third of --help.
                rows.append((name, _short_help(NOUN_HELP[name], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx, args):
        # Every argument is checked once here, before any command sees it: Python
        # hands undecodable bytes over as lone surrogates, which would fail deep in
        # SQLite, JSON or the terminal.
        if ctx.parent is None:
            _refuse_undecodable(args)
        try:
            return super().parse_args(ctx, args)
        except ClickException as exc:
            _printable_usage(exc)
            raise

    def _main_shell_completion(self, ctx_args, prog_name, complete_var=None):
        # The shell asks for completions through _CERTCLI_COMPLETE. Typer registers its
        # bash/zsh/fish completers only with add_completion, which is off (its root
        # options cost every start-up): a completion request registers them itself.
        variable = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(variable):
            from typer.completion import completion_init

            completion_init()
        return super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CertcliError as exc:
            _fail(str(exc))
        except BrokenPipeError:
            raise  # the reader went away (`| head`): main() exits quietly
        except OverflowError:
            # An id or number typed with too many digits reaches SQLite's 64-bit limit.
            _fail("a number given is too large")
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written by the unfinished step")
        except OSError as exc:
            if os.environ.get("CERTCLI_DEBUG"):
                raise
            # A file the command reads or writes, refused by the system (a name too
            # long, a full disk, a folder it may not enter).
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:
            # sqlite3 is loaded by the commands that open the database, not by --help:
            # an SQLite error can only come from a command that loaded it.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is not None and isinstance(exc, sqlite3.Error):
                if os.environ.get("CERTCLI_DEBUG"):
                    raise
                from certcli.store.base import explain

                _fail(str(explain(exc, _db_for_messages())))
            if isinstance(exc, ClickException):
                _printable_usage(exc)
                raise
            if hasattr(exc, "exit_code") or isinstance(exc, typer.Abort):
                raise  # Typer's own exits and usage errors (exit 2) pass through
            # A bug, not a user mistake: still no traceback (it could show personal
            # data) unless asked for.
            if os.environ.get("CERTCLI_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "set CERTCLI_DEBUG=1 to see the traceback"
            )
        finally:
            _close_stores()


class NounGroup(TyperGroup):
    """A noun's sub-app (`certcli dossier ...`) whose commands are built when first
    asked for. Typer builds a command by resolving every parameter's type hints,
    1 ms or more each: running `dossier show` builds one command, not the noun's
    twenty. `--help` of the noun still lists them all (it asks for each)."""

    pending: dict[str, CommandInfo]

    def list_commands(self, ctx):
        return [*self.pending, *(name for name in self.commands if name not in self.pending)]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in self.pending:
            self.commands[cmd_name] = _command(self.pending[cmd_name])
        return super().get_command(ctx, cmd_name)


def _command(info: CommandInfo):
    _resolve_hints(info.callback)
    command = typer.main.get_command_from_info(
        info, pretty_exceptions_short=True, rich_markup_mode=None
    )
    _plain_help(command)
    return command


def _noun_group(sub_app: typer.Typer, name: str) -> NounGroup:
    """The group of a sub-app with none of its commands built yet: Typer builds
    them all in one go, so it is given a copy that holds none."""
    shell = copy.copy(sub_app)
    shell.registered_commands = []
    group = typer.main.get_group_from_info(
        TyperInfo(shell, cls=NounGroup),
        pretty_exceptions_short=sub_app.pretty_exceptions_short,
        suggest_commands=sub_app.suggest_commands,
        rich_markup_mode=None,
    )
    assert isinstance(group, NounGroup)
    group.pending = {_name_of(info): info for info in sub_app.registered_commands}
    group.name = name
    _plain_help(group)
    return group


def _resolve_hints(callback) -> None:
    """Evaluate a command's annotations (text, under `from __future__ import
    annotations`) once, here: Typer reads them twice, through inspect.signature and
    then get_type_hints, compiling each text both times."""
    annotations = getattr(callback, "__annotations__", None)
    if annotations and any(isinstance(value, str) for value in annotations.values()):
        callback.__annotations__ = typing.get_type_hints(callback, include_extras=True)


def _name_of(info: CommandInfo) -> str:
    assert info.callback is not None
    return info.name or typer.main.get_command_name(info.callback.__name__)


def _help_of(info: CommandInfo) -> str:
    return info.help or inspect.getdoc(info.callback) or ""


def _close_stores() -> None:
    """Close what the command opened, now: a connection left to the garbage
    collector (an exception's traceback keeps it alive) would checkpoint the WAL at
    some later, random moment."""
    common = sys.modules.get("certcli.cli.common")
    if common is not None:
        common.close_stores()


def _db_for_messages():
    from certcli.cli import common

    return common.db_path()


def _refuse_undecodable(args) -> None:
    for index, arg in enumerate(args):
        if not isinstance(arg, str) or (arg.isascii() and arg.isprintable()):
            continue  # printable ASCII: no control character, nothing undecodable
        from certcli.errors import ValidationError
        from certcli.rules.validators import control_free

        before = args[index - 1] if index else ""
        what = (
            f"the value of {before}"
            if before.startswith("-") and "=" not in before
            else f"the argument {printable(arg.split('=', 1)[0])}"
            if arg.startswith("-")
            else f"argument {index + 1}"
        )
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            _fail(
                f"{what} is not valid UTF-8 ({printable(arg)}): type it again, or save "
                "the file name or text as UTF-8"
            )
        try:
            # The same check as every text field's: no control character gets in.
            control_free(arg, what)
        except ValidationError as exc:
            _fail(f"{exc} ({printable(arg)})")


def _printable_usage(exc) -> None:
    # Click echoes the offending value in its usage error (exit 2): same rule.
    if isinstance(exc.message, str):
        exc.message = printable(exc.message, limit=1000)


def _short_help(text: str, limit: int) -> str:
    first = " ".join(text.strip().split("\n\n")[0].split())
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."


def _plain_help(command) -> None:
    """Plain help everywhere, as on the root: rich help is slower to start, and its
    markup would swallow the '[default: today]' of our option help."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _fail(message: str):
    sys.stderr.write(f"Error: {printable(message, limit=2000)}\n")
    raise typer.Exit(code=1)


app = typer.Typer(
    cls=CertcliGroup,
    name="certcli",
    help="The secretariat of a certification body: candidates, dossiers, commissions, "
    "certificates, dues, letters and the CQPT route.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's formatter doubles start-up time
    pretty_exceptions_enable=False,  # never print locals (personal data) in a traceback
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        sys.stdout.write(f"certcli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CERTCLI_DB",
            metavar="PATH|URL",
            help="Database file, or a PostgreSQL server's database as "
            "postgresql://user@host/dbname (password from PGPASSWORD or ~/.pgpass) "
            "[default: $CERTCLI_DB, else certcli.db in the user data folder].",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
):
    """certcli: the secretariat's tool. Start with `certcli init` or `certcli demo`."""
    from certcli.cli import common

    if db is not None and str(db) != printable(db, limit=1 << 30):
        # $CERTCLI_DB escapes the argument check: the same rule for it here.
        _fail(
            f"the database path is not valid UTF-8 or holds a control character "
            f"({printable(db)}): rename the file or choose another --db"
        )
    common.select_db(db)


_resolve_hints(root)

# The top-level verbs register on a holder, not on the root: the root builds them one
# at a time, when each runs (see CertcliGroup.verbs).
_verbs = typer.Typer()
importlib.import_module("certcli.cli.system").register(_verbs)
CertcliGroup.verbs = {_name_of(info): info for info in _verbs.registered_commands}
CertcliGroup.lazy = {noun: noun for noun in NOUN_HELP}  # each in certcli.cli.<noun>
