"""`certcli scheme`: the catalog loaded from data/."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["scheme"], no_args_is_help=True)


@app.command("list")
def scheme_list(json_out: JsonOpt = False):
    """List the schemes. Example: certcli scheme list"""
    from certcli.rules import schemes

    catalog = schemes.catalog()
    if json_out:
        common.emit_json([s.to_dict() for s in catalog.values()])
        return
    common.table(
        ["code", "name", "body", "validity", "annual dues", "initial fee"],
        [
            [
                s.code,
                s.name,
                s.body.name,
                f"{s.validity_years} years" if s.expires else "no expiry",
                str(s.annual_dues),
                str(s.fee("initial")),
            ]
            for s in catalog.values()
        ],
    )


@app.command("show")
def scheme_show(
    code: Annotated[str, typer.Argument(help="Scheme code, e.g. ECO.")], json_out: JsonOpt = False
):
    """Show one scheme: pieces per dossier kind, fees, dues and rules.

    Example: certcli scheme show ECO
    """
    from certcli.rules import schemes

    scheme = schemes.get(code)
    scheme.body.check_numbers()
    data = scheme.to_dict()
    if json_out:
        common.emit_json(data)
        return
    common.fields(
        [
            ("code", scheme.code),
            ("name", scheme.name),
            ("body", scheme.body.long_name),
            ("workflow", scheme.workflow),
            ("validity", f"{scheme.validity_years} years" if scheme.expires else "no expiry"),
            ("renewal reminder", f"{scheme.renewal_lead_months} months before the end"),
            ("appeal delay", f"{scheme.appeal_delay_months} months after notification"),
            ("agenda cut-off", f"report in {scheme.agenda_cutoff_days} days before the session"),
            ("dues prorata", scheme.prorata),
            ("certificate number", scheme.certificate_format),
            ("annual dues", data["annual_dues"]),
            ("fees", [f"{k} {v}" for k, v in data["fees"].items()]),
            ("mentions", list(scheme.mentions)),
            ("eligibility", [f"{k}={v}" for k, v in scheme.eligibility.items()]),
            ("file", str(scheme.path)),
        ],
        title=scheme.name,
    )
    rows = []
    for kind, codes in scheme.pieces.items():
        for piece in codes:
            rows.append([kind, piece, scheme.label(piece), scheme.piece_count(piece)])
    common.table(["dossier kind", "piece", "label", "count"], rows, title="Required pieces")
    common.fields(body_fields(scheme.body), title=f"Body: {scheme.body.legal.name}")


def body_fields(body) -> list[tuple[str, object]]:
    """The body's legal identity as `scheme show` and `info` print it."""
    vat = body.vat
    if vat.regime == "franchise":
        vat_line = f"franchise: {vat.exemption}"
    else:
        rates = ", ".join(f"{k} {v} %" for k, v in vat.rates.items())
        vat_line = f"assujetti {vat.number} ({rates})"
    pay = body.invoicing
    return [
        ("legal name", body.legal.name),
        ("legal form", body.legal.form),
        ("SIREN / SIRET", f"{body.legal.siren} / {body.legal.siret}"),
        ("registered address", ", ".join(body.legal.address)),
        ("VAT", vat_line),
        ("payment terms", f"{pay.terms_days} days"),
        ("IBAN / BIC", f"{pay.iban_formatted} / {pay.bic}"),
        ("cheque payee", pay.cheque_payee),
        ("late penalty", pay.late_penalty),
        ("40 € indemnity", "yes, for company buyers" if pay.recovery_indemnity else "no"),
        ("Factur-X by default", "yes" if pay.facturx else "no"),
        (
            "reminders",
            [f"{r.level}. {r.label}: due + {r.days} days ({r.template})" for r in body.reminders],
        ),
        ("file", str(body.path)),
    ]
