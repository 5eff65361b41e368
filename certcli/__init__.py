"""certcli: the command-line tool of a certification body's secretariat."""

__version__ = "0.1.0"
