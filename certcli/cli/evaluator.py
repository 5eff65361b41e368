"""`certcli evaluator`: not built yet."""

import typer

app = typer.Typer(help="(evaluator: not built yet)")


@app.callback(invoke_without_command=True)
def _not_built():
    """Not built yet."""
    from certcli.errors import CertcliError

    raise CertcliError("'certcli evaluator' is not built yet in this version")
