"""What a postal address is: the fields a posted letter's recipient block and an
invoice's buyer must both have (one rule for the letters, the companies billed and
the instruction fee's invoice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ADDRESS_FIELDS = ("address", "postcode", "city")


def missing(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The address fields blank in `values` (read as `prefix` + field: "buyer_" for
    an invoice's frozen buyer columns), in ADDRESS_FIELDS' order."""
    return [f for f in ADDRESS_FIELDS if not str(values.get(prefix + f) or "").strip()]
