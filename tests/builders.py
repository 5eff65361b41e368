"""How the tests register people: through the function `candidate add` calls
(certcli.domain.candidates.add) or the command itself, never a row written past
the rules. The later stages are built by commission_helpers, instruction_helpers
and letter_records on top of these."""

from __future__ import annotations

import datetime as dt

from certcli.domain import candidates, experiences

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
REGISTERED = dt.date(2026, 1, 5)


def candidate(store, first="Léa", last="Martin", *, eligible=True, **fields) -> int:
    """A candidate through candidates.add, on 2026-01-05; `eligible`: with the
    status, specialties and experience an OPQTECC check asks (where `fields` does
    not say otherwise). Look-alikes are registered on purpose (force)."""
    values = {"first_name": first, "last_name": last, **fields}
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
