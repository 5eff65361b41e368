"""The nouns of the command line (`certcli dossier ...`), in the order of `certcli
--help`, each with its one-line help. The module of a noun is certcli.cli.<noun>; its
sub-app takes its help from here, and the root's --help reads it here instead of
importing all the modules (a third of the instructions --help ran). Nothing is
imported here."""

HELP = {
    "scheme": "The scheme catalog loaded from data/ (pieces, fees, dues, rules).",
    "candidate": (
        "The candidate register: add, list, show, edit, duplicates, merge, import, "
        "export, export-person, forget."
    ),
    "experience": "A candidate's work periods: employer, dates, hours, branch, contract.",
    "company": "Companies that pay for their employees: add, list, show, edit.",
    "eligibility": "Eligibility of a candidate for a scheme, with every reason.",
    "dossier": "Dossiers: open, list, show, export, and every instruction step.",
    "instructor": (
        "Instructors and experts: add, edit, list, show (with their load of dossiers "
        "under instruction)."
    ),
    "commission": (
        "Commission sessions: add, plan, list, agenda, attend, decide, papers, minutes, "
        "cancel, move."
    ),
    "member": "Commission members (award, appeal, CPNE): add, edit, list, show, retire.",
    "calendar": "The office's calendar: every session and interview as iCalendar (.ics).",
    "certificate": "Certificates: list, show, verify, suspend, reinstate, withdraw, export.",
    "dues": "Annual dues: prorata, annual call.",
    "invoice": (
        "Invoices and credit notes: list, show, pay, refund, credit, cancel, reissue, "
        "render, remind, export."
    ),
    "bank": (
        "Bank statements: import a CAMT.053 (or mapped CSV) statement, list and match what is left."
    ),
    "mandate": "SEPA direct-debit mandates of the dues: add, list, revoke.",
    "appeal": "Appeals: file, decide, list (heard at an appeal session).",
    "renewals": "Renewal reminders: who is due, and the reminder letters.",
    "letters": "Letters: templates, rendering to PDF or HTML, and the log of letters sent.",
    "mail": "E-mail: check the SMTP settings, list the outbox, send what is queued.",
    "config": "The office's settings: the SMTP server and the e-mail sender.",
    "cqpt": "The CQPT route: admissibility, orient, prediag, phase, transmit, funding, show.",
    "evaluator": "CQPT evaluator organisations: add, list.",
    "directory": "The public directory: search, export.",
    "complaint": "Complaints (ISO/IEC 17024 register): add, list, show, close.",
    "audit": "The tamper-evident journal: verify its hash chain, seal its head.",
    "retention": "GDPR retention: forget the people whose data the body no longer needs.",
    "completion": "Tab completion for bash, zsh and fish: install it, or show the script.",
    "db": "The database as a whole: copy an office between SQLite and PostgreSQL.",
}
