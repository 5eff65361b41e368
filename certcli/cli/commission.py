"""`certcli commission`: not built yet."""

import typer

app = typer.Typer(help="(commission: not built yet)")


@app.callback(invoke_without_command=True)
def _not_built():
    """Not built yet."""
    from certcli.errors import CertcliError

    raise CertcliError("'certcli commission' is not built yet in this version")
