"""Companies: the employers that pay for their employees' certification (issue 12).

A company has a name and a SIRET (checked with python-stdnum, unique in the
register), and the postal address and billing e-mail an invoice to it needs.
Candidates and instructors link to one (`--employer-id`); the free-text employer
they carry stays for history. An invoice billed to a company freezes its name,
SIRET and address at issue (certcli.domain.invoices).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from certcli.errors import DuplicateError, NotFound, ValidationError
from certcli.records import asdict, dataclass, field
from certcli.rules import validators

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Company:
    id: int
    name: str
    siret: str
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    billing_email: str | None = None
    created_on: str | None = None
    employees: list[dict] = field(default_factory=list)  # `company show` only
    instructors: list[dict] = field(default_factory=list)  # `company show` only
    employee_count: int | None = None  # `company list` only

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def label(self) -> str:
        return f"company {self.id} ({self.name})"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["siren"] = self.siren
        return data

    @classmethod
    def from_row(cls, row) -> Company:
        return cls(
            id=row["id"],
            name=row["name"],
            siret=row["siret"],
            address=row["address"],
            postcode=row["postcode"],
            city=row["city"],
            billing_email=row["billing_email"],
            created_on=row["created_on"],
        )

    def missing_for_invoice(self) -> list[str]:
        """What an invoice to this company still lacks (its SIRET is always there)."""
        from certcli.rules import postal

        return postal.missing(vars(self))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The fields given, checked and normalised; an empty value clears an optional one."""
    record: dict[str, Any] = {}
    for key, raw in values.items():
        if raw is None:
            continue
        if key in ("name", "siret") and not str(raw).strip():
            raise ValidationError(f"a company needs --{key}")
        if key not in ("name", "siret") and not str(raw).strip():
            record[key] = None
        elif key == "name":
            record[key] = validators.name(raw, "company name")
        elif key == "siret":
            record[key] = validators.siret(raw)
        elif key == "address":
            record[key] = validators.text(raw, "address", validators.MAX_LINE)
        elif key == "postcode":
            record[key] = validators.postcode(raw)
        elif key == "city":
            record[key] = validators.text(raw, "city", validators.MAX_NAME)
        elif key == "billing_email":
            record[key] = validators.email(raw)
        else:  # pragma: no cover - the CLI gives only the fields above
            raise ValidationError(f"unknown company field {validators.quoted(key)}")
    return record


def _refuse_twin(store: Store, siret: str, exclude: int | None = None) -> None:
    twin = store.company_by_siret(siret)
    if twin is not None and twin["id"] != exclude:
        raise DuplicateError(
            f"SIRET {siret} is already company {twin['id']} ({twin['name']}): "
            f"see `certcli company show {twin['id']}`"
        )


def add(store: Store, values: dict[str, Any], *, date: dt.date) -> Company:
    """Register a company (one transaction, audited); its SIRET is unique."""
    for required in ("name", "siret"):
        if not str(values.get(required) or "").strip():
            raise ValidationError(f"a company needs --{required}")
    record = _clean(values)
    with store.transaction():
        _refuse_twin(store, record["siret"])
        new_id = store.insert("companies", {**record, "created_on": date.isoformat()})
        store.audit("company.add", "company", new_id, record, date)
    return get(store, new_id)


def edit(store: Store, company_id: int, values: dict[str, Any], *, date: dt.date) -> Company:
    """Change some fields of a company (audited: each field before and after). An
    invoice already issued keeps the buyer it was issued to."""
    changes = _clean(values)
    if not changes:
        raise ValidationError("nothing to change: give at least one option")
    with store.transaction():
        current = get(store, company_id)
        if "siret" in changes:
            _refuse_twin(store, changes["siret"], exclude=company_id)
        before = asdict(current)
        store.update("companies", company_id, changes)
        store.audit(
            "company.edit",
            "company",
            company_id,
            {k: [before.get(k), v] for k, v in changes.items()},
            date,
        )
    return get(store, company_id)


def find(store: Store, company_id: int) -> Company:
    row = store.company(company_id)
    if row is None:
        raise NotFound(f"no company with id {company_id}")
    return Company.from_row(row)


def get(store: Store, company_id: int) -> Company:
    """One company with its employees (and their certificates) and its instructors."""
    company = find(store, company_id)
    certificates: dict[int, list[dict]] = {}
    for c in store.company_employee_certificates(company_id):
        certificates.setdefault(c["candidate_id"], []).append(
            {
                "number": c["number"],
                "scheme": c["scheme"],
                "status": c["status"],
                "payer": c["payer"],
            }
        )
    company.employees = [
        {
            "id": p["id"],
            "name": " ".join(x for x in (p["civility"], p["first_name"], p["last_name"]) if x),
            "certificates": certificates.get(p["id"], []),
        }
        for p in store.company_employees(company_id)
    ]
    company.instructors = [
        {"id": i["id"], "name": i["name"], "role": i["role"]}
        for i in store.company_instructors(company_id)
    ]
    return company


def listing(store: Store, *, limit: int | None = None, offset: int = 0) -> list[Company]:
    """The companies by name, with their employee count; a page with `limit` (the
    counts read for its companies only)."""
    sql, params = store.companies_sql()
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return _counted(store, rows)


def count(store: Store) -> int:
    """How many companies `listing` has (the companies only, not their employees)."""
    return store.count_of(*store.companies_sql())


def stream(store: Store) -> Iterator[Company]:
    """Every company of `listing`, as it is read (`company list --all`), the employee
    counts read a batch of companies at a time."""
    for rows in store.batches(*store.companies_sql(), size=500):
        yield from _counted(store, rows)


def _counted(store: Store, rows) -> list[Company]:
    employees = store.company_employee_counts([r["id"] for r in rows])
    found = [Company.from_row(r) for r in rows]
    for company in found:
        company.employee_count = employees.get(company.id, 0)
    return found


def link(store: Store, company_id: int | None) -> int | None:
    """The employer_id a candidate or an instructor is linked to: the company must
    exist; 0 unlinks (None)."""
    if company_id is None or company_id == 0:
        return None
    return find(store, company_id).id


def billable(store: Store, company_id: int) -> Company:
    """The company an invoice is addressed to, refused when an invoice could not
    legally name it (no postal address)."""
    company = find(store, company_id)
    missing = company.missing_for_invoice()
    if missing:
        raise ValidationError(
            f"{company.label} has no {'/'.join(missing)}: an invoice to a company needs "
            f"its address; add it with `certcli company edit {company.id} --address … "
            "--postcode … --city …`"
        )
    return company
