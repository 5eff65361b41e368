"""What `dossier show` tells of a dossier: the dossier itself, then what each stage
adds (instruction, commission decisions, CQPT evaluation).

This module sits above the stages and imports each one: `dossiers` stays below
them (every stage records its steps through it), so the arrows point one way.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from certcli.domain import dossiers
from certcli.rules import schemes, workflow

if TYPE_CHECKING:
    from certcli.store import Store


def show(store: Store, ref: str) -> dict:
    """The dossier, its pieces and its whole history, as plain data."""
    data = dossiers.view(store, ref)
    # The stages read a few of the dossier's fields as a Dossier's attributes.
    dossier = SimpleNamespace(**data)
    scheme = schemes.get(dossier.scheme)
    data["scheme_name"] = scheme.name
    data["allowed_actions"] = workflow.allowed_actions(dossier.status, scheme.workflow)
    data["pieces"] = [
        {"code": p["code"], "received_on": p["received_on"]} for p in store.pieces(dossier.id)
    ]
    data["pieces_unreceived"] = [
        {
            "code": p["code"],
            "received_on": p["received_on"],
            "unreceived_on": p["unreceived_on"],
            "reason": p["unreceived_reason"],
        }
        for p in store.unreceived_pieces(dossier.id)
    ]
    data["history"] = dossiers.history(store, dossier.id)
    # Each stage is imported when its part applies: a stage's modules cost more to load
    # than its queries cost to run (`dossier show --json` starts in ~300 M instructions).
    from certcli.domain import decisions, instruction

    data.update(instruction.dossier_details(store, dossier))
    data.update(decisions.dossier_details(store, dossier))
    if scheme.workflow == "cqpt":  # cqpt.dossier_details adds nothing otherwise
        from certcli.domain import cqpt

        data.update(cqpt.dossier_details(store, dossier))
    return data
