"""The documents a body's web site offers for download (`certcli documents`): its
fee grid and, for each scheme, the blank request forms (initial, renewal,
extension) listing the pieces each dossier kind needs, made from the same scheme
and body files the rules read, so what is published never disagrees with what
certcli applies.

Templates `_document-grille.html` and `_document-demande.html` (building blocks,
not letters: nothing is logged), overridable like every template.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from certcli.letters import catalog, context, render
from certcli.rules import paths, schemes

KIND_NAMES = {"initial": "initiale", "renewal": "renouvellement", "extension": "extension"}
KIND_TITLES = {
    "initial": "Demande de certification initiale",
    "renewal": "Demande de renouvellement",
    "extension": "Demande d'extension",
}


def _pieces(scheme, kind: str) -> list[dict]:
    return [
        {"code": c, "label": scheme.label(c), "count": scheme.piece_count(c)}
        for c in scheme.required_pieces(kind)
    ]


def _planned(date: dt.date) -> list[tuple[Path, str, dict]]:
    """(file name, template, variables) of every document, fee grids first."""
    found = list(schemes.catalog().values())
    planned = []
    bodies: dict[str, list] = {}
    for scheme in found:
        bodies.setdefault(scheme.body.code, []).append(scheme)
    for code, members in bodies.items():
        body, _ = context.scheme_context(members[0].code)
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "fees": [(KIND_TITLES[k], s.fee(k)) for k in schemes.KINDS if k in s.pieces],
                "annual_dues": s.annual_dues,
                "prorata": s.prorata,
                "validity_years": s.validity_years,
            }
            for s in members
        ]
        planned.append(
            (
                Path(render.safe_name(code, "grille-tarifaire") + ".pdf"),
                "_document-grille",
                {"body": body, "schemes": rows, "date": date},
            )
        )
    for scheme in found:
        body, scheme_data = context.scheme_context(scheme.code)
        for kind in schemes.KINDS:
            if kind not in scheme.pieces:
                continue
            planned.append(
                (
                    Path(render.safe_name(scheme.code, "demande", KIND_NAMES[kind]) + ".pdf"),
                    "_document-demande",
                    {
                        "body": body,
                        "scheme": scheme_data,
                        "kind": kind,
                        "title": KIND_TITLES[kind],
                        "pieces": _pieces(scheme, kind),
                        "fee": scheme.fee(kind),
                        "mentions": list(scheme.mentions),
                        "workflow": scheme.workflow,
                        "date": date,
                    },
                )
            )
    return planned


def listing(date: dt.date) -> list[dict]:
    """{file, title, scheme} of every document `write` makes, in the same order: the
    public site's links to them (scheme None for a body's fee grid)."""
    found = []
    for name, _, variables in _planned(date):
        scheme = variables.get("scheme")
        if scheme is None:
            title = f"Grille tarifaire — {variables['body']['name']}"
        else:
            title = f"{variables['title']} — {scheme['name']}"
        found.append(
            {"file": name.name, "title": title, "scheme": scheme["code"] if scheme else None}
        )
    return found


def write(
    out: Path, *, date: dt.date, templates_dir: Path | None = None, force: bool = False
) -> list[Path]:
    """Write every document as an A4 PDF in `out` (created if missing); an existing
    file is replaced only with `force`. Returns the paths written."""
    from certcli.letters import pdf
    from certcli.store import files

    planned = _planned(date)
    folders = catalog.search_path(templates_dir)
    env = render.environment(folders)
    html = [
        (name, render.render_html(env, "_document", {
            "body": _markup(render.render_html(env, template, variables)),
            "title": variables.get("title", "Grille tarifaire"),
        }))
        for name, template, variables in planned
    ]  # fmt: skip
    for name, _ in html:  # every target checked before any is written
        files.check_target(out / name, force=force)
    written = []
    for name, text in html:
        with files.temporary(out / name, force=force, make_parents=True) as tmp:
            pdf.write_pdf(
                text,
                tmp,
                base_url=str(folders[0]),
                title=name.stem,
                allowed=(*folders, paths.data_dir()),
            )
        written.append(out / name)
    return written


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)
