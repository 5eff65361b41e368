"""The Typer layer: parses arguments, calls the domain, prints."""

from certcli.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
