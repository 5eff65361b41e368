"""The one store layer: every SQL statement of certcli lives in this package.

`Store` gathers the queries of each area (one module each) over one sqlite3
connection; domain modules receive a Store and never write SQL themselves.

A command uses the queries of two or three areas: each area's module is imported
the first time one of its methods is asked for, and its class then joins Store's
bases (the same methods, the same `Store` for type checkers, which see every base).
Importing all twenty cost each command about 13 million instructions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certcli.store.base import SCHEMA_VERSION, BaseStore

__all__ = ["SCHEMA_VERSION", "Store"]

# Each query module, in the order of Store's bases, with the names its class gives
# Store (tests/test_store_index.py keeps them equal to the class's).
QUERIES: tuple[tuple[str, str, str], ...] = (
    (
        "candidates",
        "CandidateQueries",
        "HOLDINGS _candidates_sql _search_clause bulk_insert_candidates bulk_load candidate "
        "candidate_holdings candidates candidates_by_birth_date candidates_by_shared_email "
        "candidates_sharing candidates_sharing_any count_candidates experience experiences "
        "experiences_sql insert_candidates instructor_conflicts iter_candidates max_candidate_id "
        "merged_into move_candidate_rows",
    ),
    (
        "companies",
        "CompaniesQueries",
        "companies companies_sql company company_by_siret company_employee_certificates "
        "company_employee_counts company_employees company_instructors",
    ),
    (
        "dossiers",
        "DossierQueries",
        "_dossier_filters _dossier_where _dossiers_sql add_dossier_event "
        "bulk_insert_dossiers count_dossiers dossier dossier_by_id dossier_events "
        "dossier_payments dossier_with_names dossiers iter_dossiers last_status_change "
        "open_dossier_on_certificate open_initial_dossier pieces unreceived_pieces",
    ),
    (
        "instruction",
        "InstructionQueries",
        "cancel_interviews expert_opinions future_interviews instructor "
        "instructor_assignments_ever instructor_dossiers instructor_loads instructors "
        "instructors_sql interview interviews open_requests overdue_dossiers overdue_interviews "
        "requests "
        "satisfy_requests scheduled_interviews_of",
    ),
    (
        "commissions",
        "CommissionsQueries",
        "agenda_item agenda_items agenda_taken appeals appeals_sql certificate_granted_by "
        "clear_agenda dossier_agenda dossiers_appealed dossiers_awaiting_award "
        "dossiers_transmitted leave_agendas next_agenda_position pending_appeal session "
        "session_decided sessions sessions_sql undecided_agenda undecided_agenda_sessions "
        "unplace_pending_appeal",
    ),
    (
        "members",
        "MembersQueries",
        "abstentions attendance attendance_calls commission_has_members "
        "latest_attendance_call member members members_sql",
    ),
    (
        "calendar",
        "CalendarQueries",
        "calendar_interviews calendar_sessions",
    ),
    (
        "certificates",
        "CertificatesQueries",
        "_directory_word _register_fold certificate certificate_by_id certificate_periods "
        "certificate_suspensions certificates certificates_sql certificates_to_call_sql "
        "count_certificates iter_certificates periods_of suspensions_of",
    ),
    (
        "complaints",
        "ComplaintsQueries",
        "complaint complaints complaints_sql",
    ),
    (
        "invoices",
        "InvoicesQueries",
        "_invoice_filters count_invoices dues_invoiced fee_invoice invoice invoice_buyer "
        "invoice_buyers invoice_by_id invoice_credits invoice_payments invoice_reminders "
        "invoices invoices_by_numbers invoices_mark_paid invoices_sql iter_invoices "
        "last_invoice_reminder latest_issued remindable_invoices scheme_of year_invoices "
        "series_invoices_sql year_payments",
    ),
    (
        "bank",
        "BankQueries",
        "bank_entry bank_known bank_open_invoices bank_unmatched",
    ),
    (
        "sepa",
        "SepaQueries",
        "debit_invoices debit_item debit_items_of_batch debit_pending_by_e2e live_mandates "
        "mandate mandate_by_rum mandate_collected mandates_sql",
    ),
    (
        "letters",
        "LettersQueries",
        "certificate_by_number certificate_of_dossier certificate_row count_renewal_window "
        "decision_events dossier_invoice dossier_period first_notified first_period "
        "first_refusal invoice_by_number invoice_links invoice_paid iter_renewal_window "
        "latest_appeal latest_interview latest_period latest_request letter letter_at_path "
        "letter_row letters_log letters_log_sql logged_paths pending_letter pending_letters "
        "pending_letters_by_id pending_letters_sql period_on reminder_for_period renewal_window "
        "renewal_window_sql",
    ),
    (
        "outbox",
        "OutboxQueries",
        "credentials_sent outbox_claim outbox_claims outbox_message outbox_messages "
        "outbox_queued outbox_sql",
    ),
    (
        "privacy",
        "PrivacyQueries",
        "audit_mentioning compact_after_erasure dossier_schemes_of erase_person "
        "person_audit person_tables retention_people",
    ),
    (
        "cqpt",
        "CqptQueries",
        "cqpt_dossiers cqpt_last_event cqpt_phase cqpt_phases evaluator evaluator_by_name "
        "evaluators evaluators_sql",
    ),
    (
        "stats",
        "StatsQueries",
        "_totals bank_unmatched_totals dossier_milestones dossier_status_counts "
        "income_totals open_invoice_totals upcoming_sessions",
    ),
    (
        "audit",
        "AuditQueries",
        "audit_entities audit_page",
    ),
    (
        "journal",
        "JournalQueries",
        "journal_entries journal_events journal_head",
    ),
    (
        "checks",
        "CheckQueries",
        "_checked checked_read foreign_key_problems integrity_problems invoice_counters "
        "logged_letters numbered_invoices reminder_problems unrendered_letters",
    ),
)

if TYPE_CHECKING:
    from certcli.store.audit import AuditQueries
    from certcli.store.bank import BankQueries
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

else:
    import importlib
    import threading

    _OWNER = {name: index for index, (_, _, names) in enumerate(QUERIES) for name in names.split()}
    _LOCK = threading.Lock()

    class Store(BaseStore):
        """A certcli database."""

        def __getattr__(self, name):
            # Only for a name Store does not have yet: a query of a module not
            # imported so far.
            index = _OWNER.get(name)
            if index is not None:
                _join(index)
            elif not name.startswith("__"):
                # Not in the index (a query added without its entry, which
                # tests/test_store_index.py reports): every module, then look again.
                for index in range(len(QUERIES)):
                    _join(index)
            return object.__getattribute__(self, name)

    def _join(index: int) -> None:
        """Import query module `index` and put its class among Store's bases, in the
        order of QUERIES."""
        module, cls_name, _ = QUERIES[index]
        queries = getattr(importlib.import_module(f"certcli.store.{module}"), cls_name)
        with _LOCK:
            if queries in Store.__bases__:
                return
            order = {name: i for i, (_, name, _) in enumerate(QUERIES)}
            joined = sorted([*Store.__bases__[:-1], queries], key=lambda c: order[c.__name__])
            Store.__bases__ = (*joined, BaseStore)
