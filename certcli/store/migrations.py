"""The schema, through ordered, append-only, transactional migrations.

Each migration runs inside `db.atomic()` together with its bookkeeping row
(sqlite-utils' Migrations), so a failed migration leaves nothing behind.
Never edit a migration that has shipped: append m00N_... instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlite_utils import Database, Migrations

migrations = Migrations("certcli")

# One statement per table so that a change to one table is a change to one block.
_INITIAL = [
    # Every write: when (wall clock), the event's date, who, what, on which record.
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        date TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        details TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX audit_log_entity ON audit_log(entity, entity_id)",
    # Gapless sequences (dossier refs per year, invoice numbers per year, certificate
    # numbers per scheme): read and bumped inside a write transaction only.
    """CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    )""",
    """CREATE TABLE candidates (
        id INTEGER PRIMARY KEY,
        civility TEXT,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        birth_date TEXT,
        email TEXT,
        phone TEXT,
        address TEXT,
        postcode TEXT,
        city TEXT,
        status TEXT,
        specialties TEXT NOT NULL DEFAULT '[]',
        employer TEXT,
        siret TEXT,
        directory_consent INTEGER NOT NULL DEFAULT 0,
        member_space_issued_on TEXT,
        search_key TEXT NOT NULL DEFAULT '',
        created_on TEXT NOT NULL
    )""",
    "CREATE INDEX candidates_email ON candidates(email)",
    "CREATE INDEX candidates_name ON candidates(last_name, first_name)",
    """CREATE TABLE experiences (
        id INTEGER PRIMARY KEY,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        employer TEXT NOT NULL,
        start TEXT NOT NULL,
        end TEXT NOT NULL,
        hours TEXT NOT NULL,
        in_branch INTEGER NOT NULL DEFAULT 0,
        related INTEGER NOT NULL DEFAULT 0,
        contract TEXT
    )""",
    "CREATE INDEX experiences_candidate ON experiences(candidate_id)",
    """CREATE TABLE instructors (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('instructor', 'expert')),
        specialties TEXT NOT NULL DEFAULT '[]',
        employer TEXT,
        capacity INTEGER NOT NULL DEFAULT 5,
        email TEXT,
        conflict_employers TEXT NOT NULL DEFAULT '[]',
        conflict_candidates TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE evaluators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT,
        address TEXT
    )""",
    # A commission session: award, appeal or cpne.
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('award', 'appeal', 'cpne')),
        capacity INTEGER,
        status TEXT NOT NULL DEFAULT 'planned'
    )""",
    """CREATE TABLE certificates (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        scheme TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'valid',
        granted_on TEXT NOT NULL,
        mentions TEXT NOT NULL DEFAULT '[]',
        withdrawn_on TEXT,
        withdraw_reason TEXT
    )""",
    "CREATE INDEX certificates_candidate ON certificates(candidate_id)",
    # Validity periods of a certificate; end is NULL when the scheme never expires.
    """CREATE TABLE certificate_periods (
        id INTEGER PRIMARY KEY,
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        start TEXT NOT NULL,
        end TEXT,
        dossier_id INTEGER REFERENCES dossiers(id)
    )""",
    "CREATE INDEX certificate_periods_cert ON certificate_periods(certificate_id)",
    """CREATE TABLE dossiers (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        scheme TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('initial', 'renewal', 'extension')),
        status TEXT NOT NULL,
        opened_on TEXT NOT NULL,
        certificate_id INTEGER REFERENCES certificates(id),
        mention TEXT,
        route TEXT,
        financing TEXT,
        instructor_id INTEGER REFERENCES instructors(id),
        expert_id INTEGER REFERENCES instructors(id),
        evaluator_id INTEGER REFERENCES evaluators(id),
        report_on TEXT,
        recommendation TEXT,
        report_mentions TEXT NOT NULL DEFAULT '[]',
        report_text TEXT,
        session_id INTEGER REFERENCES sessions(id),
        decision TEXT,
        decided_on TEXT,
        decision_reason TEXT,
        closed_on TEXT
    )""",
    "CREATE INDEX dossiers_status ON dossiers(status)",
    "CREATE INDEX dossiers_candidate ON dossiers(candidate_id)",
    "CREATE INDEX dossiers_scheme ON dossiers(scheme, kind)",
    # The timeline shown by `dossier show`: one row per thing that happened.
    """CREATE TABLE dossier_events (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        date TEXT NOT NULL,
        event TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        actor TEXT NOT NULL
    )""",
    "CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id)",
    """CREATE TABLE pieces (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        code TEXT NOT NULL,
        received_on TEXT NOT NULL
    )""",
    "CREATE INDEX pieces_dossier ON pieces(dossier_id)",
    # Complementary elements asked by the instructor.
    """CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        items TEXT NOT NULL,
        requested_on TEXT NOT NULL,
        due TEXT NOT NULL,
        satisfied_on TEXT
    )""",
    """CREATE TABLE interviews (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        instructor_id INTEGER REFERENCES instructors(id),
        at TEXT NOT NULL,
        minutes INTEGER NOT NULL DEFAULT 60,
        status TEXT NOT NULL DEFAULT 'scheduled'
    )""",
    # Agenda of a session: which dossiers, in which order, and what was decided.
    """CREATE TABLE agenda_items (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        position INTEGER NOT NULL,
        appeal_id INTEGER REFERENCES appeals(id),
        decision TEXT,
        reason TEXT,
        UNIQUE (session_id, dossier_id)
    )""",
    """CREATE TABLE appeals (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        filed_on TEXT NOT NULL,
        deadline TEXT NOT NULL,
        session_id INTEGER REFERENCES sessions(id),
        outcome TEXT,
        decided_on TEXT,
        reason TEXT
    )""",
    # Invoices and credit notes share one table: kind 'invoice' or 'credit'.
    # Amounts are decimal strings ('210.00'); never floats.
    """CREATE TABLE invoices (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit')),
        purpose TEXT NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        certificate_id INTEGER REFERENCES certificates(id),
        dossier_id INTEGER REFERENCES dossiers(id),
        label TEXT NOT NULL,
        amount TEXT NOT NULL,
        issued_on TEXT NOT NULL,
        due_on TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        dues_year INTEGER,
        credit_for INTEGER REFERENCES invoices(id),
        cancel_reason TEXT,
        UNIQUE (kind, year, seq)
    )""",
    # The annual dues call invoices a certificate once per year, whatever happens.
    """CREATE UNIQUE INDEX invoices_dues_once ON invoices(certificate_id, dues_year)
        WHERE kind = 'invoice' AND purpose = 'dues-call'""",
    "CREATE INDEX invoices_candidate ON invoices(candidate_id)",
    # Money received: the instruction fee (against a dossier) or an invoice.
    """CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER REFERENCES dossiers(id),
        invoice_id INTEGER REFERENCES invoices(id),
        amount TEXT NOT NULL,
        method TEXT NOT NULL,
        reference TEXT,
        paid_on TEXT NOT NULL,
        CHECK (dossier_id IS NOT NULL OR invoice_id IS NOT NULL)
    )""",
    # One renewal reminder per validity period, ever.
    """CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        period_id INTEGER NOT NULL UNIQUE REFERENCES certificate_periods(id),
        reminded_on TEXT NOT NULL,
        letter_id INTEGER REFERENCES letters(id)
    )""",
    """CREATE TABLE letters (
        id INTEGER PRIMARY KEY,
        template TEXT NOT NULL,
        candidate_id INTEGER REFERENCES candidates(id),
        dossier_id INTEGER REFERENCES dossiers(id),
        certificate_id INTEGER REFERENCES certificates(id),
        invoice_id INTEGER REFERENCES invoices(id),
        date TEXT NOT NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        actor TEXT NOT NULL,
        rendered_at TEXT NOT NULL
    )""",
    "CREATE INDEX letters_candidate ON letters(candidate_id)",
    # CQPT evaluation: optional pre-diagnostic and the three phases.
    """CREATE TABLE cqpt_phases (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        phase TEXT NOT NULL CHECK (phase IN ('prediag', 'proof', 'quiz', 'situation')),
        result TEXT,
        score TEXT,
        training_advised INTEGER,
        working_time INTEGER,
        date TEXT NOT NULL,
        UNIQUE (dossier_id, phase)
    )""",
]


@migrations()
def m001_initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)


@migrations()
def m002_candidate_search(db: Database) -> None:
    """A trigram full-text index over candidates.search_key, so that `candidate list
    --search` finds any substring of 3+ characters without scanning the register."""
    db.execute(
        "CREATE VIRTUAL TABLE candidates_fts USING fts5("
        "search_key, content='candidates', content_rowid='id', tokenize='trigram')"
    )
    db.execute(
        "INSERT INTO candidates_fts(rowid, search_key) SELECT id, search_key FROM candidates"
    )
    db.execute(
        "CREATE TRIGGER candidates_fts_insert AFTER INSERT ON candidates BEGIN "
        "INSERT INTO candidates_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
    )
    db.execute(
        "CREATE TRIGGER candidates_fts_delete AFTER DELETE ON candidates BEGIN "
        "INSERT INTO candidates_fts(candidates_fts, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); END"
    )
    db.execute(
        "CREATE TRIGGER candidates_fts_update AFTER UPDATE OF search_key ON candidates BEGIN "
        "INSERT INTO candidates_fts(candidates_fts, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); "
        "INSERT INTO candidates_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
    )


@migrations()
def m003_experience_removed(db: Database) -> None:
    """`experience remove`: a period entered by mistake is marked removed (when, why,
    by whom) rather than deleted, so the audit trail keeps what was counted before;
    removed periods never count."""
    for column in ("removed_on", "removed_reason", "removed_by"):
        db.execute(f"ALTER TABLE experiences ADD COLUMN {column} TEXT")


@migrations()
def m004_invoice_buyer(db: Database) -> None:
    """An issued invoice or credit note keeps the buyer's name and address as they were
    on it (its label and amount are stored already): editing the candidate later
    must not change a reprint. Existing rows take the candidate's current values,
    the best that is known of them."""
    fields = ("civility", "first_name", "last_name", "address", "postcode", "city")
    for field in fields:
        db.execute(f"ALTER TABLE invoices ADD COLUMN buyer_{field} TEXT")
    db.execute(
        "UPDATE invoices SET "
        + ", ".join(
            f"buyer_{f} = (SELECT c.{f} FROM candidates c WHERE c.id = invoices.candidate_id)"
            for f in fields
        )
    )


@migrations()
def m005_letter_truth(db: Database) -> None:
    """What a letter quotes and when it reached its recipient.

    invoices.prorata_months: the months a prorated dues invoice bills (counted from
    the decision), so the notification quotes the invoice's own figure instead of
    recounting it from another day. NULL on other invoices; an older prorata
    invoice keeps its months in its label.

    letter_notifications: the day a posted letter was notified (a registered
    letter's acknowledgement of receipt), once per letter; the appeal deadline of
    a refusal runs from it (SPEC §2.8)."""
    db.execute("ALTER TABLE invoices ADD COLUMN prorata_months INTEGER")
    db.execute("""CREATE TABLE letter_notifications (
        id INTEGER PRIMARY KEY,
        letter_id INTEGER NOT NULL UNIQUE REFERENCES letters(id),
        notified_on TEXT NOT NULL,
        registered TEXT,
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""")


@migrations()
def m006_experience_ongoing(db: Database) -> None:
    """`experience add --ongoing`: a contract still running. Its `end` column holds the
    last day its recorded hours cover (`--hours-until`); the period itself has no end
    yet, so it covers every later day for "employee of the branch"."""
    db.execute("ALTER TABLE experiences ADD COLUMN ongoing INTEGER NOT NULL DEFAULT 0")


@migrations()
def m007_candidate_keys(db: Database) -> None:
    """Folded keys for the duplicate check (validators.name_key / email_key, the same
    folding as search), filled for existing rows, and the indexes the check blocks
    on (birth date, e-mail), so that checking one row never scans the register; the
    search index can be filled in bulk by an import."""
    from certcli.rules.validators import email_key, name_key

    db.execute("ALTER TABLE candidates ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE candidates ADD COLUMN email_key TEXT")
    rows = db.execute("SELECT id, first_name, last_name, email FROM candidates").fetchall()
    db.conn.executemany(
        "UPDATE candidates SET name_key = ?, email_key = ? WHERE id = ?",
        [(name_key(first, last), email_key(email), cid) for cid, first, last, email in rows],
    )
    db.execute("CREATE INDEX candidates_birth_date ON candidates(birth_date)")
    db.execute("CREATE INDEX candidates_email_key ON candidates(email_key)")
    # Indexing rows one by one costs ~8x indexing them in one statement, so a
    # `candidate import` pauses the insert trigger (a row in this table, inside its
    # own transaction: nobody else ever sees it) and indexes its rows at the end.
    db.execute("CREATE TABLE search_index_paused (since_id INTEGER NOT NULL)")
    db.execute("DROP TRIGGER candidates_fts_insert")
    db.execute(
        "CREATE TRIGGER candidates_fts_insert AFTER INSERT ON candidates "
        "WHEN NOT EXISTS (SELECT 1 FROM search_index_paused) BEGIN "
        "INSERT INTO candidates_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
    )


@migrations()
def m008_appeal_deadline_from(db: Database) -> None:
    """appeals.deadline_from: what the appeal deadline checked at filing ran from,
    'notification' (the refusal letter's notified day) or 'decision'. Appeals filed
    before notifications were recorded ran from the decision."""
    db.execute("ALTER TABLE appeals ADD COLUMN deadline_from TEXT NOT NULL DEFAULT 'decision'")


@migrations()
def m009_pending_letters(db: Database) -> None:
    """A letter asked for (`--letter`, `renewals remind`) is recorded
    in the transaction of its step, then rendered after the commit: a run killed in
    between leaves it pending, never lost. `letter_id` is set once it is rendered
    and logged; `reminder_id` is the renewal reminder it is the letter of."""
    db.execute("""CREATE TABLE pending_letters (
        id INTEGER PRIMARY KEY,
        template TEXT NOT NULL,
        record TEXT NOT NULL CHECK (record IN ('dossier', 'certificate', 'candidate',
                                               'invoice')),
        ref TEXT NOT NULL,
        candidate_id INTEGER REFERENCES candidates(id),
        date TEXT NOT NULL,
        format TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        templates_dir TEXT,
        reminder_id INTEGER REFERENCES reminders(id),
        asked_at TEXT NOT NULL,
        asked_by TEXT NOT NULL,
        letter_id INTEGER UNIQUE REFERENCES letters(id)
    )""")
    db.execute("CREATE INDEX pending_letters_open ON pending_letters(id) WHERE letter_id IS NULL")


# The indexes every list, search, due, stats and show query needs, so that none scans a
# whole table nor sorts one in a temporary B-tree (tests/test_store_query_plans.py checks the
# plans). Each serves a query of certcli/store: the comment says which.
INDEXES_M010 = [
    # invoice list: "credited by" and "paid" of each invoice; dossier show's fee payments.
    "CREATE INDEX invoices_credit_for ON invoices(credit_for)",
    "CREATE INDEX payments_invoice ON payments(invoice_id, paid_on, id)",
    "CREATE INDEX payments_dossier ON payments(dossier_id, paid_on, id)",
    # dues call and a grant's prorata: "already invoiced for the year" (invoices_dues_once
    # is partial on dues-call invoices, so it cannot answer for a prorata).
    "CREATE INDEX invoices_certificate_year ON invoices(certificate_id, dues_year)",
    # numbering: the latest of a year's series by date, without sorting the year.
    "CREATE INDEX invoices_series_date ON invoices(kind, year, issued_on, seq)",
    # invoice list --unpaid (rowid order follows the equal terms), --year, per dossier.
    "CREATE INDEX invoices_kind_status ON invoices(kind, status)",
    "CREATE INDEX invoices_year ON invoices(year)",
    "CREATE INDEX invoices_dossier ON invoices(dossier_id)",
    # candidate list sorts case-insensitively.
    "CREATE INDEX candidates_name_nocase ON candidates("
    "last_name COLLATE NOCASE, first_name COLLATE NOCASE, id)",
    # stats counts dossiers per (scheme, status).
    "CREATE INDEX dossiers_scheme_status ON dossiers(scheme, status)",
    "CREATE INDEX dossiers_certificate ON dossiers(certificate_id)",
    # certificate list and the directory, in their order; periods of a certificate in
    # their order, and of a dossier.
    "CREATE INDEX certificates_scheme_number ON certificates(scheme, number)",
    "CREATE INDEX certificate_periods_cert_start ON certificate_periods(certificate_id, start, id)",
    "CREATE INDEX certificate_periods_dossier ON certificate_periods(dossier_id)",
    # dossier show's child tables, in the order it shows them.
    "CREATE INDEX dossier_events_dossier_date ON dossier_events(dossier_id, date, id)",
    "CREATE INDEX pieces_dossier_received ON pieces(dossier_id, received_on, id)",
    "CREATE INDEX requests_dossier ON requests(dossier_id, requested_on)",
    "CREATE INDEX interviews_dossier ON interviews(dossier_id)",
    "CREATE INDEX appeals_dossier ON appeals(dossier_id)",
    "CREATE INDEX agenda_items_dossier ON agenda_items(dossier_id)",
    "CREATE INDEX reminders_certificate ON reminders(certificate_id)",
    # every letter written checks its path; a dossier's and a certificate's letters.
    "CREATE INDEX letters_path ON letters(path)",
    "CREATE INDEX letters_dossier ON letters(dossier_id)",
    "CREATE INDEX letters_certificate ON letters(certificate_id)",
    "CREATE INDEX letters_invoice ON letters(invoice_id)",
]


@migrations()
def m010_query_indexes(db: Database) -> None:
    """Indexes for the hot queries (issue 20): nothing grows with the square of the
    office. Indexes only: no row changes."""
    for sql in INDEXES_M010:
        db.execute(sql)


@migrations()
def m011_cqpt_phases_from_the_schemes(db: Database) -> None:
    """The CQPT phases are the scheme file's (`[cqpt] phases`), so the schema stops
    fixing them: m001's CHECK on cqpt_phases.phase refused a phase added there with
    an internal IntegrityError. The other fixed lists (session, dossier and invoice
    kinds, roles, letter records) stay, tied to their Python constants by
    tests/test_store_schema_lists.py. SQLite drops a column's CHECK only by
    rebuilding the table (rows, ids and the unique pair kept; nothing points at it)."""
    if not isinstance(db, Database):  # a server that drops a constraint by name
        db.execute("ALTER TABLE cqpt_phases DROP CONSTRAINT IF EXISTS cqpt_phases_phase_check")
        return
    columns = "id, dossier_id, phase, result, score, training_advised, working_time, date"
    # Rows set aside in a plain table, not renamed: ALTER TABLE RENAME opens SQLite's
    # temporary storage, after which this connection could not set temp_store inside a
    # transaction any more (store.bulk_load, a candidate import right after `init`).
    db.execute("CREATE TABLE cqpt_phases_m011 AS SELECT * FROM cqpt_phases")
    db.execute("DROP TABLE cqpt_phases")
    db.execute("""CREATE TABLE cqpt_phases (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        phase TEXT NOT NULL,
        result TEXT,
        score TEXT,
        training_advised INTEGER,
        working_time INTEGER,
        date TEXT NOT NULL,
        UNIQUE (dossier_id, phase)
    )""")
    db.execute(f"INSERT INTO cqpt_phases ({columns}) SELECT {columns} FROM cqpt_phases_m011")
    db.execute("DROP TABLE cqpt_phases_m011")


@migrations()
def m012_certificate_suspensions(db: Database) -> None:
    """A certificate suspended (ISO/IEC 17024): from `start` to `until` (its last day
    suspended; NULL: until reinstated). A reinstatement fills `reinstated_on`, the day
    the certificate is valid again; the row stays, so the history keeps it."""
    db.execute("""CREATE TABLE certificate_suspensions (
        id INTEGER PRIMARY KEY,
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        start TEXT NOT NULL,
        until TEXT,
        reason TEXT NOT NULL,
        suspended_by TEXT NOT NULL,
        reinstated_on TEXT,
        reinstate_reason TEXT,
        reinstated_by TEXT
    )""")
    db.execute(
        "CREATE INDEX certificate_suspensions_cert ON certificate_suspensions(certificate_id)"
    )


@migrations()
def m013_piece_unreceived(db: Database) -> None:
    """`dossier unreceive`: a piece recorded by mistake is marked unreceived (the day,
    why) rather than deleted, so the history keeps what was counted before; an
    unreceived piece never counts."""
    db.execute("ALTER TABLE pieces ADD COLUMN unreceived_on TEXT")
    db.execute("ALTER TABLE pieces ADD COLUMN unreceived_reason TEXT")


@migrations()
def m014_refunds(db: Database) -> None:
    """Money paid back (`dossier refund`, `invoice refund`) is a new row of `payments`
    of kind 'refund', its amount stored negative, with its reason: every sum of the
    payments is then what was really kept, and nothing paid is ever rewritten."""
    db.execute("ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment'")
    db.execute("ALTER TABLE payments ADD COLUMN reason TEXT")


@migrations()
def m015_invoice_corrections(db: Database) -> None:
    """Invoice corrections (issue 11). invoices.replaces: the invoice a reissued one
    replaces (`invoice reissue`); buyer_company / buyer_siret: the employer billed
    instead of the candidate; partial: a credit note for part of an invoice (a
    commercial gesture, `invoice credit`) rather than its cancellation. The annual
    call still invoices a certificate once a year: a reissue replaces that invoice,
    it is not a second call, so the unique index leaves replacements out."""
    db.execute("ALTER TABLE invoices ADD COLUMN replaces INTEGER REFERENCES invoices(id)")
    db.execute("ALTER TABLE invoices ADD COLUMN buyer_company TEXT")
    db.execute("ALTER TABLE invoices ADD COLUMN buyer_siret TEXT")
    db.execute("ALTER TABLE invoices ADD COLUMN partial INTEGER NOT NULL DEFAULT 0")
    db.execute("DROP INDEX invoices_dues_once")
    db.execute(
        "CREATE UNIQUE INDEX invoices_dues_once ON invoices(certificate_id, dues_year) "
        "WHERE kind = 'invoice' AND purpose = 'dues-call' AND replaces IS NULL"
    )
    db.execute("CREATE INDEX invoices_replaces ON invoices(replaces)")


@migrations()
def m016_corrections(db: Database) -> None:
    """Corrections (issue 11) keep history instead of deleting it: an agenda line
    has a status ('placed', 'withdrawn' with its dossier, 'cancelled' with its
    session); an interview keeps the notes of its outcome; a report amended after
    it was first recorded says when; an expert's opinions are kept in order (the
    latest is the one that counts)."""
    db.execute("ALTER TABLE agenda_items ADD COLUMN status TEXT NOT NULL DEFAULT 'placed'")
    # Lines an older version left behind a withdrawal (before it deleted them).
    db.execute(
        "UPDATE agenda_items SET status = 'withdrawn' WHERE decision IS NULL "
        "AND dossier_id IN (SELECT id FROM dossiers WHERE status = 'withdrawn')"
    )
    db.execute("ALTER TABLE interviews ADD COLUMN notes TEXT")
    db.execute("ALTER TABLE dossiers ADD COLUMN report_amended_on TEXT")
    db.execute("""CREATE TABLE expert_opinions (
        id INTEGER PRIMARY KEY,
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        expert_id INTEGER NOT NULL REFERENCES instructors(id),
        opinion TEXT NOT NULL,
        text TEXT NOT NULL,
        date TEXT NOT NULL,
        actor TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX expert_opinions_dossier ON expert_opinions(dossier_id, date, id)")
    # dossier list --overdue and stats: the interviews still scheduled, in time order.
    db.execute("CREATE INDEX interviews_scheduled ON interviews(status, at)")


@migrations()
def m017_candidate_merge(db: Database) -> None:
    """`candidate merge KEEP DROP` (issue 11): the dropped duplicate stays as a
    tombstone pointing at the candidate kept (its id is never reused, and what it
    held is told by the audit trail); merged_on / merge_reason / merged_by say when,
    why and by whom. The partial index answers "merged into KEEP" and counts the
    tombstones without touching the live register's indexes."""
    db.execute("ALTER TABLE candidates ADD COLUMN merged_into INTEGER REFERENCES candidates(id)")
    for column in ("merged_on", "merge_reason", "merged_by"):
        db.execute(f"ALTER TABLE candidates ADD COLUMN {column} TEXT")
    db.execute(
        "CREATE INDEX candidates_merged_into ON candidates(merged_into) "
        "WHERE merged_into IS NOT NULL"
    )


@migrations()
def m018_commission_members(db: Database) -> None:
    """Commission papers (issue 15): the members who sit on each kind of commission,
    the attendance recorded at a session (each recording a new call; the latest one
    counts, the earlier ones stay), and the members recorded as abstaining on a
    dossier because of a conflict of interest. A member is retired, never deleted;
    the signed minutes' date is kept on the session."""
    db.execute("""CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        commission TEXT NOT NULL CHECK (commission IN ('award', 'appeal', 'cpne')),
        role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('president', 'member', 'secretary')),
        employer TEXT,
        email TEXT,
        conflict_employers TEXT NOT NULL DEFAULT '[]',
        conflict_candidates TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1,
        added_on TEXT NOT NULL,
        retired_on TEXT,
        retired_reason TEXT
    )""")
    db.execute("CREATE INDEX members_commission ON members(commission, active)")
    db.execute("""CREATE TABLE attendance_calls (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        date TEXT NOT NULL,
        active_members INTEGER NOT NULL,
        required INTEGER NOT NULL,
        quorum INTEGER NOT NULL,
        actor TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX attendance_calls_session ON attendance_calls(session_id, id)")
    db.execute("""CREATE TABLE attendance (
        id INTEGER PRIMARY KEY,
        call_id INTEGER NOT NULL REFERENCES attendance_calls(id),
        member_id INTEGER NOT NULL REFERENCES members(id),
        status TEXT NOT NULL CHECK (status IN ('present', 'excused'))
    )""")
    db.execute("CREATE INDEX attendance_call ON attendance(call_id)")
    db.execute("""CREATE TABLE abstentions (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
        member_id INTEGER NOT NULL REFERENCES members(id),
        reason TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX abstentions_session ON abstentions(session_id, dossier_id)")
    db.execute("ALTER TABLE sessions ADD COLUMN minutes_signed_on TEXT")


@migrations()
def m019_outbox(db: Database) -> None:
    """E-mail (issue 14). `outbox`: each message recorded in the transaction of its
    step (recipient, subject, its mail template, the letter it carries through the
    pending letter, a Message-ID made once), then sent after the commit; its status
    goes queued -> sent or failed (the server's text in `error`), never back, so a
    message is never sent twice; `claimed_by`/`claimed_at` mark the run sending it.
    The credentials message keeps no body (the identifiers are not stored).
    letters.post / pending_letters.post: whether the letter is for the post (an
    `--email` letter without `--post` is not). `credentials`: the day a candidate's
    member-space identifiers were e-mailed, with their message."""
    db.execute("ALTER TABLE letters ADD COLUMN post INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE pending_letters ADD COLUMN post INTEGER NOT NULL DEFAULT 1")
    db.execute("""CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('letter', 'credentials', 'test')),
        template TEXT NOT NULL,
        to_addr TEXT NOT NULL,
        from_addr TEXT NOT NULL,
        from_name TEXT,
        subject TEXT NOT NULL,
        body_text TEXT,
        body_html TEXT,
        candidate_id INTEGER REFERENCES candidates(id),
        pending_letter_id INTEGER REFERENCES pending_letters(id),
        letter_id INTEGER REFERENCES letters(id),
        date TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claimed_at TEXT,
        sent_at TEXT,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX outbox_queued ON outbox(id) WHERE status = 'queued'")
    db.execute("CREATE INDEX outbox_pending_letter ON outbox(pending_letter_id)")
    db.execute("CREATE INDEX outbox_letter ON outbox(letter_id)")
    db.execute("CREATE INDEX outbox_candidate ON outbox(candidate_id)")
    db.execute("""CREATE TABLE credentials (
        id INTEGER PRIMARY KEY,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        date TEXT NOT NULL,
        outbox_id INTEGER NOT NULL REFERENCES outbox(id),
        actor TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX credentials_candidate ON credentials(candidate_id, date)")


@migrations()
def m020_companies_and_payers(db: Database) -> None:
    """Companies (issue 12): employers that pay for their employees, with the SIRET
    and address an invoice to them needs; candidates and instructors link to one
    (employer_id; the free-text employer stays for history). Who pays a dossier's
    invoices (dossiers.payer) and a certificate's dues (certificates.payer):
    'candidate' or 'employer'. An invoice freezes its company buyer
    (buyer_company_id, with the name, SIRET and address already in buyer_*), the
    unit price it bills a fraction of (a prorata: the annual dues) and its VAT rate
    (NULL: the body's VAT exemption)."""
    db.execute("""CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        siret TEXT NOT NULL UNIQUE,
        address TEXT,
        postcode TEXT,
        city TEXT,
        billing_email TEXT,
        created_on TEXT NOT NULL
    )""")
    db.execute("ALTER TABLE candidates ADD COLUMN employer_id INTEGER REFERENCES companies(id)")
    db.execute("CREATE INDEX candidates_employer ON candidates(employer_id)")
    db.execute("ALTER TABLE instructors ADD COLUMN employer_id INTEGER REFERENCES companies(id)")
    db.execute("ALTER TABLE dossiers ADD COLUMN payer TEXT NOT NULL DEFAULT 'candidate'")
    db.execute("ALTER TABLE certificates ADD COLUMN payer TEXT NOT NULL DEFAULT 'candidate'")
    db.execute("ALTER TABLE invoices ADD COLUMN buyer_company_id INTEGER REFERENCES companies(id)")
    db.execute("ALTER TABLE invoices ADD COLUMN unit_price TEXT")
    db.execute("ALTER TABLE invoices ADD COLUMN vat_rate TEXT")


@migrations()
def m021_member_employer(db: Database) -> None:
    """A commission member linked to a company of the register (issue 15 with the
    companies of issue 12): `member add/edit --employer-id`, which the conflict rule
    uses when the candidate is linked too."""
    db.execute("ALTER TABLE members ADD COLUMN employer_id INTEGER REFERENCES companies(id)")


@migrations()
def m022_invoice_reminders(db: Database) -> None:
    """Reminders of unpaid invoices (issue 12), in levels (1 relance, 2 seconde relance,
    3 mise en demeure): one row per invoice and level, ever (the unique pair), written
    in the transaction that asks for its letter, so a level is never sent twice, even
    by two runs at once or after a run killed mid-batch. `letter_id` is set once the
    letter is rendered and logged (letters.log.complete), as for renewal reminders;
    a pending letter names the invoice reminder it is the letter of, and the pending
    letter in whose file it is rendered (`enclosed_in`: the invoice a notification
    encloses)."""
    db.execute("""CREATE TABLE invoice_reminders (
        id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES invoices(id),
        level INTEGER NOT NULL CHECK (level > 0),
        template TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        as_of TEXT NOT NULL,
        due_on TEXT NOT NULL,
        balance TEXT NOT NULL,
        actor TEXT NOT NULL,
        letter_id INTEGER REFERENCES letters(id),
        UNIQUE (invoice_id, level)
    )""")
    db.execute(
        "ALTER TABLE pending_letters ADD COLUMN invoice_reminder_id INTEGER "
        "REFERENCES invoice_reminders(id)"
    )
    # A letter rendered in the file of another (a grant's invoice, with its notification):
    # completed together, after a kill too.
    db.execute(
        "ALTER TABLE pending_letters ADD COLUMN enclosed_in INTEGER REFERENCES pending_letters(id)"
    )


@migrations()
def m023_bank_entries(db: Database) -> None:
    """Bank statements (issue 13): each credit transaction of an imported CAMT.053
    statement, once (its bank reference is unique, so a statement imported twice
    records nothing new), matched to the invoice its payment went to, or kept
    unmatched with the reason until `bank match` settles it. A return entry is kept
    (kind 'return', with its reason code), never matched as a payment."""
    db.execute("""CREATE TABLE bank_entries (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('credit', 'return')),
        booked_on TEXT NOT NULL,
        amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        debtor TEXT,
        remittance TEXT,
        end_to_end TEXT,
        return_code TEXT,
        account TEXT,
        status TEXT NOT NULL CHECK (status IN ('matched', 'unmatched')),
        reason TEXT,
        invoice_id INTEGER REFERENCES invoices(id),
        imported_on TEXT NOT NULL,
        matched_on TEXT,
        actor TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX bank_entries_unmatched ON bank_entries(id) WHERE status = 'unmatched'")
    db.execute("CREATE INDEX bank_entries_invoice ON bank_entries(invoice_id)")


@migrations()
def m024_journal(db: Database) -> None:
    """The tamper-evident journal (issue 16): one entry per issued number, decision,
    suspension, withdrawal and payment, each with the hash of its event's content
    (no personal data) and of the entry before it (certcli.rules.journal); the head
    row holds the count and the last hash, and is what appends lock. An existing
    office's events are journalled now, kind by kind in id order, so `audit verify`
    is ok on an upgraded office."""
    from certcli.store import journal

    db.execute("""CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        ref INTEGER NOT NULL,
        record TEXT NOT NULL,
        date TEXT NOT NULL,
        content TEXT NOT NULL,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (kind, ref)
    )""")
    db.execute("""CREATE TABLE journal_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        entries INTEGER NOT NULL,
        hash TEXT NOT NULL
    )""")
    journal.seed(
        db.execute,
        ("certificate", "invoice", "credit", "decision", "suspension", "withdrawal", "payment"),
    )


@migrations()
def m025_complaints(db: Database) -> None:
    """The register of complaints (ISO/IEC 17024) about a certificate's holder: who
    complained, what, when received; closed once, with its outcome and, when that
    outcome was a suspension or the withdrawal of the certificate, the suspension
    (its row) or `withdrawal` (1: the certificate's withdrawal, which is on its row)."""
    db.execute("""CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        received_on TEXT NOT NULL,
        complainant TEXT NOT NULL,
        text TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        closed_on TEXT,
        outcome TEXT,
        suspension_id INTEGER REFERENCES certificate_suspensions(id),
        withdrawal INTEGER NOT NULL DEFAULT 0,
        closed_by TEXT
    )""")
    db.execute("CREATE INDEX complaints_open ON complaints(id) WHERE closed_on IS NULL")
    db.execute("CREATE INDEX complaints_certificate ON complaints(certificate_id)")


@migrations()
def m026_candidate_forgotten(db: Database) -> None:
    """GDPR erasure (issue 16, `candidate forget`): the day a person was forgotten,
    why and by whom. Their identity is replaced by a pseudonym in place (the row and
    its id stay, so the dossiers, certificates and the invoices the law keeps still
    point at something); these columns say it happened, and `retention run` and the
    commands naming the candidate read them."""
    for column in ("forgotten_on", "forget_reason", "forgotten_by"):
        db.execute(f"ALTER TABLE candidates ADD COLUMN {column} TEXT")


@migrations()
def m027_sepa_direct_debit(db: Database) -> None:
    """SEPA direct debit of the dues (issue 13). A mandate (its unique reference, RUM,
    the debtor's IBAN and BIC, who signed it: the holder or their employer) is added
    once and revoked once (revoked_on), never edited. A debit batch is one
    pain.008.001.02 file (its message id); each invoice it collects is one item, once
    ever (the unique invoice_id: never an invoice in two batches), with its own
    end-to-end id and its sequence (FRST, the mandate's first collection, or RCUR). A
    returned or rejected debit is a new row of debit_returns (the reason code, the
    bank entry), never an edit of the item: the invoice owes again."""
    db.execute("""CREATE TABLE mandates (
        id INTEGER PRIMARY KEY,
        rum TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        payer TEXT NOT NULL CHECK (payer IN ('candidate', 'employer')),
        company_id INTEGER REFERENCES companies(id),
        debtor TEXT NOT NULL,
        iban TEXT NOT NULL,
        bic TEXT,
        signed_on TEXT NOT NULL,
        created_on TEXT NOT NULL,
        revoked_on TEXT,
        actor TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX mandates_candidate ON mandates(candidate_id)")
    db.execute("""CREATE TABLE debit_batches (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        year INTEGER NOT NULL,
        file TEXT NOT NULL,
        collection_date TEXT NOT NULL,
        created_on TEXT NOT NULL,
        count INTEGER NOT NULL,
        total TEXT NOT NULL,
        actor TEXT NOT NULL
    )""")
    db.execute("""CREATE TABLE debit_items (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES debit_batches(id),
        invoice_id INTEGER NOT NULL UNIQUE REFERENCES invoices(id),
        mandate_id INTEGER NOT NULL REFERENCES mandates(id),
        end_to_end TEXT NOT NULL UNIQUE,
        sequence TEXT NOT NULL CHECK (sequence IN ('FRST', 'RCUR')),
        amount TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX debit_items_mandate ON debit_items(mandate_id)")
    db.execute("""CREATE TABLE debit_returns (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL UNIQUE REFERENCES debit_items(id),
        returned_on TEXT NOT NULL,
        reason TEXT NOT NULL,
        entry TEXT,
        recorded_on TEXT NOT NULL,
        actor TEXT NOT NULL
    )""")


@migrations()
def m028_erasure_journalled(db: Database) -> None:
    """A GDPR erasure is journalled (issue 16): its basis is kept on the forgotten
    person's row, `forget_rule` (NULL: at the person's request; else the retention
    rule applied), and the people already forgotten are journalled now, in id order
    after the head (an erasure by a retention rule before this is known by the
    reason that rule wrote), so `audit verify` is ok on an upgraded office."""
    from certcli.store import journal

    db.execute("ALTER TABLE candidates ADD COLUMN forget_rule TEXT")
    for rule in ("refused_or_withdrawn_dossier_years", "lapsed_holder_years"):
        db.execute(
            "UPDATE candidates SET forget_rule = ? "
            "WHERE forgotten_on IS NOT NULL AND forget_reason LIKE ?",
            (rule, f"retention rule {rule} = %"),
        )
    journal.seed_kind(db.execute, "erasure")


@migrations()
def m029_window_indexes(db: Database) -> None:
    """Indexes for the reads that look at a window of days (issue 20): `renewals due`
    reads the periods ending within its months, `stats` the year's invoices and the
    dossier events of its twelve months, not every row. Indexes only: no row changes."""
    db.execute('CREATE INDEX certificate_periods_end ON certificate_periods("end")')
    db.execute("CREATE INDEX invoices_kind_issued ON invoices(kind, issued_on)")
    db.execute("CREATE INDEX dossier_events_date ON dossier_events(date)")


@migrations()
def m030_appeals_filed(db: Database) -> None:
    """`appeal list` pages in the order it shows (oldest filed first) and counts them
    for its caption from one index (issue 20; the dossier, outcome and session in it, so the
    count reads no row). Index only: no row changes."""
    db.execute(
        "CREATE INDEX appeals_filed ON appeals(filed_on, id, dossier_id, outcome, session_id)"
    )


@migrations()
def m031_letters_log_order(db: Database) -> None:
    """`letters log` pages in its order (issue 20): the letters by date (with whether
    each is for the post, so a page and the count read no row) and the messages that
    carry no letter by date. Indexes only: no row changes."""
    db.execute("CREATE INDEX letters_date ON letters(date, id, post)")
    db.execute(
        "CREATE INDEX outbox_letterless ON outbox(date, id) "
        "WHERE pending_letter_id IS NULL AND letter_id IS NULL"
    )


@migrations()
def m032_small_lists_order(db: Database) -> None:
    """The small lists paged in their order (issue 20): `instructor list` counts each
    instructor's assignments ever from the timeline's 'assigned' events, read through
    an index on the event rather than the whole timeline; `company list` reads its
    page in the order of the index on the lower-cased name, not after sorting every
    company. Indexes only: no row changes."""
    db.execute("CREATE INDEX dossier_events_event ON dossier_events(event)")
    db.execute("CREATE INDEX companies_name ON companies(lower(name), id)")


@migrations()
def m033_directory_order(db: Database) -> None:
    """`directory search` with no words pages in the directory's order (issue 20):
    each certificate keeps its holder's folded last and first names (sort_last,
    sort_first: certcli.rules.validators.fold, in Python on both engines, so the
    order is the same on SQLite and PostgreSQL and the file needs no function of
    certcli's), filled here for the existing certificates, and an index on them and
    the number reads the directory in order instead of sorting every holder."""
    from certcli.store.directory_order import sort_holders

    db.execute("ALTER TABLE certificates ADD COLUMN sort_last TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE certificates ADD COLUMN sort_first TEXT NOT NULL DEFAULT ''")
    sort_holders(db.conn)
    db.execute("CREATE INDEX certificates_directory ON certificates(sort_last, sort_first, number)")


def apply(conn) -> None:
    """Apply every pending migration on an open sqlite3 connection."""
    migrations.apply(Database(conn))


def names() -> list[str]:
    return [m.name for m in migrations._migrations]


def functions() -> list[tuple[str, Callable[[Any], None]]]:
    """(name, function) of every migration in order, for a runner other than
    sqlite-utils' (PostgreSQL: certcli.store.postgres)."""
    return [(m.name, m.fn) for m in migrations._migrations]
