"""`certcli appeal`: not built yet."""

import typer

app = typer.Typer(help="(appeal: not built yet)")


@app.callback(invoke_without_command=True)
def _not_built():
    """Not built yet."""
    from certcli.errors import CertcliError

    raise CertcliError("'certcli appeal' is not built yet in this version")
