"""`certcli instructor`: not built yet."""

import typer

app = typer.Typer(help="(instructor: not built yet)")


@app.callback(invoke_without_command=True)
def _not_built():
    """Not built yet."""
    from certcli.errors import CertcliError

    raise CertcliError("'certcli instructor' is not built yet in this version")
