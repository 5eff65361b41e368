"""certcli/letters/filters.py: French dates, times and amounts, kept on one line."""

import datetime as dt
import json
import re

from certcli.letters import filters, render
from certcli.rules import dates


def test_filters_are_french():
    from decimal import Decimal

    from certcli.letters import filters

    space = re.compile(r"[\u202f\xa0]")
    assert filters.date_fr(dt.date(2026, 11, 24)) == "24\xa0novembre\xa02026"
    assert space.sub(" ", filters.date_fr("2027-02-01")) == "1er février 2027"
    assert space.sub(" ", filters.eur(Decimal("1234.56"))) == "1 234,56 €"
    assert filters.time_fr(dt.datetime(2026, 5, 12, 9, 5)) == "9\xa0h\xa005"
    assert json.dumps(render.safe_name("../a b/é")) == '"a-b-"'


NB = "\u00a0"


# -- typography ------------------------------------------------------------------------------
def test_filters_keep_dates_times_and_amounts_on_one_line():
    from decimal import Decimal

    assert filters.date_fr(dt.date(2026, 12, 1)) == f"1er{NB}décembre{NB}2026"
    assert filters.date_fr("2026-10-16") == f"16{NB}octobre{NB}2026"
    assert dates.format_fr(dt.date(2026, 12, 1)) == "1 décembre 2026"  # the CLI's form
    assert filters.time_fr(dt.datetime(2026, 5, 12, 10, 0)) == f"10{NB}h"
    assert filters.time_fr("2026-05-12 10:30") == f"10{NB}h{NB}30"
    assert filters.eur(Decimal("-360.00")) == f"\u2212360,00{NB}€"
    # Hours are grouped as amounts are (Babel's French narrow no-break space).
    group = filters.eur(Decimal("1234"))[1]
    assert filters.hours_fr(Decimal("1607")) == f"1{group}607{NB}heures"
    assert filters.hours_fr("151.67") == f"151,67{NB}heures"
    assert filters.hours_fr("151.5") == f"151,50{NB}heures"
    assert filters.and_list(["OPC", "BIM"]) == "OPC et BIM"
    assert filters.and_list(["A", "B", "C"]) == "A, B et C"
    assert filters.and_list(["OPC"]) == "OPC"
    assert filters.sentence("expérience insuffisante") == "expérience insuffisante."
    assert filters.sentence("références non datées.") == "références non datées."
