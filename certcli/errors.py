"""certcli's own exceptions. Domain code raises these; the CLI turns them into
one `Error: ...` line and exit status 1. Nothing here imports Typer."""


class CertcliError(Exception):
    """Base class: the message is shown to the user as is."""


class NotFound(CertcliError):
    """A record named by the user does not exist."""


class ValidationError(CertcliError):
    """A value breaks a domain rule (bad e-mail, SIRET, amount...)."""


class DuplicateError(CertcliError):
    """The record looks like one already registered."""


class StateError(CertcliError):
    """The action does not fit the record's current status."""


class ConflictError(CertcliError):
    """A conflict of interest or of schedule."""


class SchemeError(CertcliError):
    """A scheme file in data/ is malformed."""


class TemplateError(CertcliError):
    """A letter template is missing, unsafe or needs a value it was not given."""


class DatabaseError(CertcliError):
    """The database file is missing, locked or not a certcli database."""
