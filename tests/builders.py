"""How the tests build state: through the function a command calls (candidates.add
for `candidate add`, sessions.add for `commission add`...) or the command itself,
never a row written past the rules. The later stages are built by
commission_helpers, instruction_helpers and letter_records on top of these."""

from __future__ import annotations

import datetime as dt

from certcli.domain import candidates, experiences, reception, sessions

# What the OPQTECC schemes ask of a candidate (data/schemes/ECO.toml, PROG.toml): an
# accepted status, the scheme's specialty, and min_experience_years (3) of related
# work. Five years (1826 days) before any test date, so every check passes them.
OPQTECC_FACTS = {"status": "salarie", "specialty": ["economie", "programmation"]}
CAREER = {
    "employer": "Cabinet Métré Conseil",
    "start": "2015-01-01",
    "end": "2019-12-31",
    "hours": "8000",
    "related": True,
    "contract": "cdi",
}
# A postal address, for the letters.
POSTAL = {"civility": "Mme", "address": "12 rue des Écoles", "postcode": "75005", "city": "Paris"}
# Every built candidate lives somewhere (an invoice names its buyer's address, and the
# instruction fee's invoice is refused without one); `address=None` builds one without.
HOME = {"address": "3 rue du Port", "postcode": "44000", "city": "Nantes"}
REGISTERED = dt.date(2026, 1, 5)


def _housed(values: dict) -> dict:
    """`values` with HOME's address where they give none; None drops a field."""
    if "address" not in values:
        values = {**HOME, **values}
    return {k: v for k, v in values.items() if v is not None}


def candidate(store, first="Léa", last="Martin", *, eligible=True, **fields) -> int:
    """A candidate through candidates.add, on 2026-01-05; `eligible`: with the
    status, specialties and experience an OPQTECC check asks (where `fields` does
    not say otherwise). Look-alikes are registered on purpose (force)."""
    values = _housed({"first_name": first, "last_name": last, **fields})
    if eligible:
        values = {
            "status": OPQTECC_FACTS["status"],
            "specialties": OPQTECC_FACTS["specialty"],
            **values,
        }
    cid = candidates.add(store, values, date=REGISTERED, force=True).id
    if eligible:
        give_career(store, cid)
    return cid


def addressed(store, first="Hélène", last="Lefèvre", **fields) -> int:
    """An eligible candidate with a postal address (POSTAL), whom a letter can reach."""
    return candidate(store, first, last, **{**POSTAL, **fields})


def give_career(store, candidate_id: int) -> None:
    """CAREER through the domain function `experience add` calls."""
    values = {
        **CAREER,
        "start": dt.date.fromisoformat(CAREER["start"]),
        "end": dt.date.fromisoformat(CAREER["end"]),
    }
    experiences.add(store, candidate_id, date=REGISTERED, **values)


def add_candidate(cli, first="Léa", last="Martin", *, eligible=False, **extra) -> int:
    """A candidate through `candidate add`, for the tests of the command line;
    `eligible`: with the status, specialties and experience (`experience add`) an
    OPQTECC dossier check asks, where `extra` does not say otherwise."""
    extra = _housed(extra)
    if eligible:
        extra = {**OPQTECC_FACTS, **extra}
    args = ["candidate", "add", "--first-name", first, "--last-name", last]
    args += _options(extra)
    cid = cli.json(*args)["id"]
    if eligible:
        cli.json("experience", "add", "--candidate", cid, *_options(CAREER))
    return cid


def _options(values: dict) -> list:
    args = []
    for key, value in values.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, list):
            for item in value:
                args += [flag, item]
        elif value is not None and value is not False:
            args += [flag, value]
    return args


# -- dossiers and sessions ---------------------------------------------------------------
CQPT_PIECES = ("candidature", "piece-identite", "attestation-employeur")


def complete_cqpt(store, ref: str, date: dt.date = dt.date(2026, 3, 1)) -> None:
    """A CQPT dossier's application file received and checked (no fee): `complete`,
    awaiting the funding body's admissibility, through what `dossier receive` and
    `dossier check` call."""
    reception.receive(store, ref, list(CQPT_PIECES), date=date)
    assert reception.check(store, ref, date=date).status == "complete"


def session(store, date: str, kind: str = "award", capacity: int | None = None) -> int:
    """A commission session through sessions.add (what `commission add` calls), on any
    day (a closed day is forced, as `commission add --force` does)."""
    return sessions.add(
        store, date=dt.date.fromisoformat(date), kind=kind, capacity=capacity, force=True
    ).id


# -- work periods through `experience add` (the experience and eligibility tests) -------
# A branch CDI of 2023-2025, recorded on 2026-03-01 (`add_period` adds --hours).
PERIOD = [
    "--employer",
    "Orange SA",
    "--start",
    "2023-01-01",
    "--end",
    "2025-12-31",
    "--in-branch",
    "--related",
    "--contract",
    "cdi",
    "--date",
    "2026-03-01",
]


def add_period(cli, cid, *extra, hours="1607"):
    return cli(*["experience", "add", "--candidate", cid, *PERIOD, "--hours", hours, *extra])


def cqpt_hours(cli, cid):
    return cli.json(
        "eligibility",
        "check",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--as-of",
        "2026-01-01",
    )["hours"]


def ongoing(cli, cid, start, hours_until, hours, *extra, employer="Orange SA"):
    return cli(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        employer,
        "--start",
        start,
        "--ongoing",
        "--hours-until",
        hours_until,
        "--hours",
        hours,
        "--in-branch",
        "--related",
        "--contract",
        "cdi",
        "--date",
        "2026-02-27",
        *extra,
    )


def cqpt_verdict(cli, cid, as_of):
    return cli.json(
        "eligibility",
        "check",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--as-of",
        as_of,
    )


def period(
    cli,
    cid,
    start,
    end,
    hours,
    *,
    employer="Orange SA",
    contract="cdi",
    in_branch=True,
    related=True,
):
    args = [
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        employer,
        "--start",
        start,
        "--end",
        end,
        "--hours",
        hours,
        "--date",
        "2026-06-01",
    ]
    if contract:
        args += ["--contract", contract]
    if in_branch:
        args.append("--in-branch")
    if related:
        args.append("--related")
    return cli.json(*args)
