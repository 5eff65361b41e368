"""The office behind the public-site tests (tests/test_site*.py): a consenting holder
with accents in the name, one who refused the directory, one whose certificate was
withdrawn; built through the domain like every test office."""

from __future__ import annotations

from commission_helpers import decide_at, new_candidate

HIDDEN = ("Paul", "Dissimulé", "Villeurbanne", "paul.dissimule@example.fr", "01 45 56 92 67")


def office(cli, store) -> dict:
    eric = new_candidate(
        cli,
        first="Éric",
        last="Bérégovoy",
        city="Orléans",
        email="eric.beregovoy@example.fr",
        address="12 rue des Lilas",
        postcode="45000",
        directory_consent=True,
    )
    hidden = new_candidate(
        cli,
        first=HIDDEN[0],
        last=HIDDEN[1],
        city=HIDDEN[2],
        email=HIDDEN[3],
        phone=HIDDEN[4],
        address="3 impasse Secrète",
        postcode="69100",
        directory_consent=False,
    )
    gone = new_candidate(cli, first="Zoé", last="Retirée", city="Nantes", directory_consent=True)
    numbers = {
        "eric": decide_at(cli, store, "2026-03-12", candidate=eric)["certificate"],
        "hidden": decide_at(cli, store, "2026-03-13", candidate=hidden)["certificate"],
        "gone": decide_at(cli, store, "2026-03-14", candidate=gone)["certificate"],
    }
    cli.ok("certificate", "withdraw", numbers["gone"], "--reason", "fraude", "--date", "2026-10-01")
    return numbers
