"""`certcli company`: the employers that pay for their employees."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["company"], no_args_is_help=True)

Name = Annotated[str | None, typer.Option("--name", help="Company's name.")]
Siret = Annotated[
    str | None, typer.Option("--siret", help="SIRET (14 digits, checked; unique in the register).")
]
Address = Annotated[str | None, typer.Option("--address", help="Street address (invoices).")]
Postcode = Annotated[str | None, typer.Option("--postcode", help="Postcode (5 digits).")]
City = Annotated[str | None, typer.Option("--city", help="City.")]
BillingEmail = Annotated[
    str | None, typer.Option("--billing-email", help="Where invoices are sent (checked).")
]
CompanyId = Annotated[int, typer.Argument(metavar="ID", help="Company id.")]


def _print(company, json_out: bool, *, title: str | None = None) -> None:
    if json_out:
        common.emit_json(company.to_dict())
        return
    c = company
    common.fields(
        [
            ("id", c.id),
            ("name", c.name),
            ("SIRET", c.siret),
            ("address", c.address),
            ("city", " ".join(x for x in (c.postcode, c.city) if x)),
            ("billing e-mail", c.billing_email),
            ("registered", c.created_on),
        ],
        title=title,
    )
    if c.employees:
        common.table(
            ["candidate", "name", "certificates"],
            [
                [
                    e["id"],
                    e["name"],
                    ", ".join(
                        f"{x['number']} ({x['status']}, paid by {x['payer']})"
                        for x in e["certificates"]
                    ),
                ]
                for e in c.employees
            ],
            title="Employees",
        )
    if c.instructors:
        common.table(
            ["instructor", "name", "role"],
            [[i["id"], i["name"], i["role"]] for i in c.instructors],
            title="Instructors and experts",
        )


@app.command("add")
def company_add(
    name: Name = None,
    siret: Siret = None,
    address: Address = None,
    postcode: Postcode = None,
    city: City = None,
    billing_email: BillingEmail = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Register a company (an employer that may pay); prints its id. An invoice to
    it needs its address.

    Example: certcli company add --name "Cabinet Métré Conseil" --siret 73282932000074
    --address "5 quai Perrache" --postcode 69002 --city Lyon
    """
    from certcli.domain import companies

    store = common.store(actor=actor, date=date)
    values = {
        "name": name,
        "siret": siret,
        "address": address,
        "postcode": postcode,
        "city": city,
        "billing_email": billing_email,
    }
    company = companies.add(store, values, date=common.day(date))
    if json_out:
        common.emit_json(company.to_dict())
    else:
        common.say(f"Registered company {company.id}: {company.name} (SIRET {company.siret})")


@app.command("edit")
def company_edit(
    company_id: CompanyId,
    name: Name = None,
    siret: Siret = None,
    address: Address = None,
    postcode: Postcode = None,
    city: City = None,
    billing_email: BillingEmail = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Change some fields of a company (an empty value clears an optional field).
    Invoices already issued keep the buyer they named.

    Example: certcli company edit 1 --billing-email compta@metre-conseil.fr
    """
    from certcli.domain import companies

    store = common.store(actor=actor, date=date)
    values = {
        "name": name,
        "siret": siret,
        "address": address,
        "postcode": postcode,
        "city": city,
        "billing_email": billing_email,
    }
    company = companies.edit(store, company_id, values, date=common.day(date))
    _print(company, json_out, title=f"Updated company {company.id}")


@app.command("show")
def company_show(company_id: CompanyId, json_out: JsonOpt = False):
    """Show one company, its employees with their certificates, and its instructors.

    Example: certcli company show 1
    """
    from certcli.domain import companies

    _print(companies.get(common.store(), company_id), json_out)


@app.command("list")
def company_list(
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List the companies by name, a page at a time (--limit, --page); --all streams
    every one. Example: certcli company list --json"""
    from certcli.domain import companies

    store = common.store()
    common.emit_listing(
        ["id", "name", "SIRET", "city", "employees"],
        lambda c: [c.id, c.name, c.siret, c.city, c.employee_count],
        read_page=lambda **page_of: (
            companies.listing(store, **page_of),
            companies.count(store),
        ),
        read_all=lambda: companies.stream(store),
        as_json=lambda c: c.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )
