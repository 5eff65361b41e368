"""The one store layer: every SQL statement of certcli lives in this package.

`Store` gathers the queries of each area (one module each) over one sqlite3
connection; domain modules receive a Store and never write SQL themselves.
"""

from __future__ import annotations

from certcli.store.audit import AuditQueries
from certcli.store.bank import BankQueries
from certcli.store.base import SCHEMA_VERSION, BaseStore
from certcli.store.calendar import CalendarQueries
from certcli.store.candidates import CandidateQueries
from certcli.store.certificates import CertificatesQueries
from certcli.store.checks import CheckQueries
from certcli.store.commissions import CommissionsQueries
from certcli.store.companies import CompaniesQueries
from certcli.store.complaints import ComplaintsQueries
from certcli.store.cqpt import CqptQueries
from certcli.store.dossiers import DossierQueries
from certcli.store.instruction import InstructionQueries
from certcli.store.invoices import InvoicesQueries
from certcli.store.journal import JournalQueries
from certcli.store.letters import LettersQueries
from certcli.store.members import MembersQueries
from certcli.store.outbox import OutboxQueries
from certcli.store.privacy import PrivacyQueries
from certcli.store.sepa import SepaQueries
from certcli.store.stats import StatsQueries

__all__ = ["SCHEMA_VERSION", "Store"]


class Store(
    CandidateQueries,
    CompaniesQueries,
    DossierQueries,
    InstructionQueries,
    CommissionsQueries,
    MembersQueries,
    CalendarQueries,
    CertificatesQueries,
    ComplaintsQueries,
    InvoicesQueries,
    BankQueries,
    SepaQueries,
    LettersQueries,
    OutboxQueries,
    PrivacyQueries,
    CqptQueries,
    StatsQueries,
    AuditQueries,
    JournalQueries,
    CheckQueries,
    BaseStore,
):
    """A certcli database."""
