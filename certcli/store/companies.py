"""SQL for the companies (employers that pay) and who is linked to them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from certcli.store.base import BaseStore


class CompaniesQueries(BaseStore):
    def company(self, company_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM companies WHERE id = ?", (company_id,))

    def company_by_siret(self, siret: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM companies WHERE siret = ?", (siret,))

    def companies(self) -> list[sqlite3.Row]:
        return self.all(*self.companies_sql())

    def companies_sql(self) -> tuple[str, list]:
        """The companies by name: the SELECT and its parameters, shared by `company
        list`'s page, its count (the companies only) and --all; how many candidates
        they employ is read for the companies shown (`company_employee_counts`)."""
        return "SELECT c.* FROM companies c ORDER BY lower(c.name), c.id", []

    def company_employee_counts(self, company_ids: Sequence[int]) -> dict[int, int]:
        """How many candidates each of these companies employs (those with none are
        absent): a page's, or a batch's of `company list --all`."""
        if not company_ids:
            return {}
        marks = ", ".join("?" for _ in company_ids)
        rows = self.all(
            "SELECT employer_id, count(*) FROM candidates "
            f"WHERE employer_id IN ({marks}) GROUP BY employer_id",
            list(company_ids),
        )
        return {r[0]: r[1] for r in rows}

    def company_employees(self, company_id: int) -> list[sqlite3.Row]:
        """The candidates linked to a company, by name."""
        return self.all(
            "SELECT id, civility, first_name, last_name FROM candidates "
            "WHERE employer_id = ? ORDER BY last_name, first_name, id",
            (company_id,),
        )

    def company_employee_certificates(self, company_id: int) -> list[sqlite3.Row]:
        """The certificates of the candidates linked to a company."""
        return self.all(
            "SELECT ce.candidate_id, ce.number, ce.scheme, ce.status, ce.payer "
            "FROM certificates ce JOIN candidates p ON p.id = ce.candidate_id "
            "WHERE p.employer_id = ? "
            "ORDER BY ce.number",
            (company_id,),
        )

    def company_instructors(self, company_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT id, name, role FROM instructors WHERE employer_id = ? ORDER BY name, id",
            (company_id,),
        )
