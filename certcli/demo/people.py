"""Invented people and companies. SIRET numbers are generated with a valid Luhn
key so they pass the same checks as real ones; every name is fictional."""

from __future__ import annotations

import datetime as dt
import random

from certcli.rules.validators import fold

# First names by the civility they go with, so that no letter reads "M. Élodie".
FEMININE = [
    "Léa",
    "Chloé",
    "Manon",
    "Camille",
    "Inès",
    "Zoé",
    "Élodie",
    "Anaïs",
    "Margaux",
    "Clémence",
    "Océane",
    "Aurélie",
]
MASCULINE = [
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Raphaël",
    "Théo",
    "Noé",
    "Étienne",
    "Baptiste",
    "Mathis",
    "François",
]
# The historical order (it seeds the demo's draws): alternating, as before the split.
FIRST = [name for pair in zip(FEMININE, MASCULINE, strict=True) for name in pair]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
]
CITIES = [
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13008", "Marseille"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
]
STREETS = [
    "rue des Lilas",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "rue de la Paix",
    "impasse des Tilleuls",
    "chemin du Moulin",
]
FIRMS = [
    "Cabinet Métré Conseil",
    "Atelier Économie Bâtiment",
    "Programmation & Territoires",
    "BET Quantités",
    "Télécom Réseaux Ouest",
    "Fibre Services Est",
    "Opérateur Numérique SA",
]
# Per scheme family, the employers that make sense (the CQPT is the telecoms branch).
BUILDING_FIRMS = {
    "economie": ["Cabinet Métré Conseil", "Atelier Économie Bâtiment", "BET Quantités"],
    "programmation": [
        "Programmation & Territoires",
        "Atelier Économie Bâtiment",
        "Cabinet Métré Conseil",
    ],
}
TELECOM_FIRMS = ["Télécom Réseaux Ouest", "Fibre Services Est", "Opérateur Numérique SA"]


def _siret(rng: random.Random) -> str:
    from stdnum import luhn

    # A SIRET is a Luhn-valid SIREN (9 digits) followed by 5 digits, Luhn-valid as a whole.
    siren = "".join(str(rng.randrange(10)) for _ in range(8))
    siren += luhn.calc_check_digit(siren)
    body = siren + "".join(str(rng.randrange(10)) for _ in range(4))
    return body + luhn.calc_check_digit(body)


def _person(rng: random.Random, i: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return _values(rng, i, first, last)


def _civility(first: str, drawn: str) -> str:
    """The civility the first name goes with (the draw only for a name in neither list)."""
    if first in FEMININE:
        return "Mme"
    return "M." if first in MASCULINE else drawn


def _values(rng: random.Random, i: int, first: str, last: str) -> dict:
    postcode, city = rng.choice(CITIES)
    return {
        # The draw that once chose the civility at random is kept, so every later
        # value of the seeded demo (dates, cities, statuses) stays the same.
        "civility": _civility(first, rng.choice(["M.", "Mme"])),
        "first_name": first,
        "last_name": last,
        "birth_date": dt.date(
            1965 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28)
        ).isoformat(),
        "email": f"{fold(first)}.{fold(last)}.{i}@example.fr".replace(" ", ""),
        "phone": f"+33 6 {rng.randrange(10, 30)} {rng.randrange(10, 99)} "
        f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        "address": f"{1 + rng.randrange(120)} {rng.choice(STREETS)}",
        "postcode": postcode,
        "city": city,
        "status": rng.choice(["salarie", "salarie", "demandeur"]),
        "specialties": rng.choice([["economie"], ["programmation"], ["economie", "programmation"]]),
        "employer": rng.choice(FIRMS),
        "siret": _siret(rng),
        "directory_consent": rng.random() < 0.7,
    }


class Names:
    """Distinct first/last name pairs, drawn in a seeded order (no homonyms, so
    the register's duplicate check never has to be forced)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pairs = [(f, n) for f in FIRST for n in LAST]
        rng.shuffle(self.pairs)
        self.count = 0

    def person(
        self,
        *,
        specialty: str | None = None,
        employer: str | None = None,
        status: str | None = None,
    ) -> dict:
        """A candidate's values: OPQTECC (`specialty`) or CQPT (telecoms employer)."""
        self.count += 1
        first, last = self.pairs.pop()
        values = _values(self.rng, self.count, first, last)
        if specialty:
            both = self.rng.random() < 0.2
            values["specialties"] = ["economie", "programmation"] if both else [specialty]
            values["employer"] = employer or self.rng.choice(BUILDING_FIRMS[specialty])
        else:
            values["specialties"] = []
            values["status"] = "salarie"
            values["employer"] = employer or self.rng.choice(TELECOM_FIRMS)
        if status:
            values["status"] = status
        if values["status"] == "demandeur":
            values["employer"], values["siret"] = None, None
        return values
