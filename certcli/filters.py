"""The filters every letter template can use, registered together.

French forms only: dates "24 novembre 2026", amounts "1 234,56 €" (Babel, via
certcli.dates and certcli.money so that the CLI and the letters agree).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from certcli import dates, money


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dates.parse_date(str(value)[:10])


def date_fr(value) -> str:
    """2026-11-24 -> '24 novembre 2026'."""
    return dates.format_fr(_as_date(value))


def time_fr(value) -> str:
    """14:30 -> '14 h 30' (the French typographic form)."""
    if isinstance(value, str):
        value = dates.parse_datetime(value)
    return f"{value.hour} h {value.minute:02d}"


def eur(value: Decimal | str) -> str:
    """Decimal('1234.56') -> '1 234,56 €'."""
    return money.format_eur(value)


def months_fr(value: int) -> str:
    return f"{value} mois"


FILTERS = {"date_fr": date_fr, "time_fr": time_fr, "eur": eur, "months_fr": months_fr}


def register(env) -> None:
    env.filters.update(FILTERS)
