"""`certcli config`: the office's settings file (the SMTP server, the sender)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["config"], no_args_is_help=True)


@app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(metavar="KEY", help="e.g. smtp.host (see config show).")],
    value: Annotated[str, typer.Argument(metavar="VALUE")],
):
    """Write one setting to the config file ($CERTCLI_CONFIG, else config.toml in the
    per-user config folder): smtp.host, smtp.port, smtp.user, smtp.starttls,
    smtp.ssl, smtp.timeout, mail.from_name, mail.from_address. The password is never
    written: CERTCLI_SMTP_PASSWORD, or the OS keyring.

    Example: certcli config set smtp.host smtp.example.org
    """
    from certcli.letters import smtp

    written = smtp.set_value(key, value)
    common.say(f"{key} = {written} ({smtp.config_path()})")


@app.command("show")
def config_show(json_out: JsonOpt = False):
    """Show the settings file and the SMTP server certcli would use (CERTCLI_SMTP_URL
    first), and where its password comes from; never the password itself.

    Example: certcli config show
    """
    from certcli.errors import CertcliError
    from certcli.letters import smtp

    values = smtp.load_config()
    server, problem, password = None, None, None
    try:
        conf = smtp.settings()
        server = conf.to_dict()
        if not conf.user:
            password = "none needed"
        else:
            smtp.password(conf)
            from_env = os.environ.get("CERTCLI_SMTP_PASSWORD")
            password = "CERTCLI_SMTP_PASSWORD" if from_env else "keyring"
    except CertcliError as exc:
        problem = str(exc)
    data = {
        "file": str(smtp.config_path()),
        "settings": values,
        "smtp": server,
        "password": password,
        "keyring": smtp.keyring_available(),
        "problem": problem,
    }
    if json_out:
        common.emit_json(data)
        return
    pairs: list[tuple[str, object]] = [("file", data["file"])]
    pairs += [(key, values.get(key)) for key in smtp.KEYS]
    pairs += [
        ("server", f"{conf.shown} (from {conf.source})" if server else None),
        ("password from", password),
        ("keyring", "available" if data["keyring"] else "not installed"),
    ]
    common.fields(pairs)
    if problem:
        common.say(f"  problem: {problem}")
