"""The public directory as a static site (`certcli directory site --out DIR`).

What it writes, for any web host (or opened from a folder, offline):

- index.html: the search box (name, city, scheme; accents and case ignored) over
  annuaire.js, the consenting holders of a valid certificate (the directory's own
  query, certcli.domain.directory.listed), searched by recherche.js in the page;
- titulaires/NUMBER.html: one page per listed holder (named after their first
  certificate's number: the candidate id is never published);
- verify.html: checks a certificate number and its verification code against
  status.json (and status.js, the same data for a page opened from a folder,
  where a browser refuses to fetch a file): number -> scheme, status and dates of
  EVERY certificate granted by --date, consent or not, computed by the one rule of
  `certificate verify` (verification.published_statuses). A code is never
  published: status.json holds SHA-256("certcli-site-v1|NUMBER|CODE") (first 32 hex
  characters) of each validity period's code, which verify.html recomputes from
  what the visitor types;
- documents/: the PDFs of `certcli documents` (fee grids, request forms), linked
  from index.html;
- site.css (screen and print), recherche.js, verification.js.

No external script, font or image: every file is local. Templates (_site-*.html,
_site.css, _site-*.js) are overridable like every template; the .css and .js are
copied as they are, not rendered.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import CertcliError
from certcli.rules.validators import fold

if TYPE_CHECKING:
    from certcli.store import Store

STATUS_FR = {
    "valid": "valide",
    "suspended": "suspendu",
    "lapsed": "expiré",
    "withdrawn": "retiré",
    "unknown": "inconnu",
}
STATIC = {
    "site.css": "_site.css",
    "recherche.js": "_site-search.js",
    "verification.js": "_site-verify.js",
}


def _holders(store: Store, as_of: dt.date) -> list[dict]:
    """The listed holders, each with their certificates, in the directory's order;
    each certificate's end of validity in French too (`valid_until_fr`, worded once
    per day by the letters' date_fr, not once per page)."""
    from certcli.domain import directory
    from certcli.letters.filters import date_fr

    worded: dict[str, str] = {}
    by_id: dict[int, dict] = {}
    for candidate_id, entry in directory.listed(store, as_of=as_of):
        until = entry["valid_until"]
        if until is not None and until not in worded:
            worded[until] = date_fr(until)
        entry = {**entry, "valid_until_fr": worded.get(until)}
        holder = by_id.get(candidate_id)
        if holder is None:
            holder = by_id[candidate_id] = {
                "name": entry["name"],
                "city": entry["city"],
                "page": f"titulaires/{entry['certificate']}.html",
                "certificates": [],
            }
        holder["certificates"].append(entry)
    return list(by_id.values())


def _search_data(holders: list[dict]) -> list[list]:
    """[name, city, schemes shown, page, folded search key] per holder: what
    recherche.js filters (the key folded here by the one fold of certcli)."""
    rows = []
    for h in holders:
        schemes = ", ".join(
            dict.fromkeys(f"{c['scheme_name']} ({c['scheme']})" for c in h["certificates"])
        )
        key = " ".join(
            [h["name"], h["city"] or "", schemes, *(c["certificate"] for c in h["certificates"])]
        )
        rows.append([h["name"], h["city"] or "", schemes, h["page"], fold(key)])
    return rows


def _js(name: str, value) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    # A data file, never parsed as HTML; "</" escaped anyway (safe inline too).
    return f"window.{name} = {text};\n"


def _prepare(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise CertcliError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise CertcliError(f"{out} is not empty: use --force to replace the site in it")


def write(
    store: Store,
    out: Path,
    *,
    date: dt.date,
    templates_dir: Path | None = None,
    force: bool = False,
) -> dict:
    """Write the site into `out` (built in a temporary folder beside it, then put in
    place: a failure leaves `out` as it was). Returns what was written."""
    from certcli.domain import verification
    from certcli.letters import catalog, render
    from certcli.letters import documents as docs
    from certcli.letters.filters import date_fr

    out = Path(out)
    _prepare(out, force)
    folders = catalog.search_path(templates_dir)
    env = render.environment(folders)
    holders = _holders(store, date)
    statuses = verification.published_statuses(store, as_of=date)
    listing = docs.listing(date)
    common = {
        "date": date,
        "date_fr": date_fr(date),
        "schemes": sorted(
            {(c["scheme"], c["scheme_name"]) for h in holders for c in h["certificates"]}
        ),
        "documents": listing,
    }
    pages = {
        "index.html": render.render_html(
            env, "_site-index", {**common, "root": "", "count": len(holders)}
        ),
        "verify.html": render.render_html(
            env, "_site-verify", {**common, "root": "", "status_fr": STATUS_FR}
        ),
    }
    holder_template = "_site-holder"
    for holder in holders:
        pages[holder["page"]] = render.render_html(
            env, holder_template, {**common, "root": "../", "holder": holder}
        )
    status_doc = {
        "format": "certcli-status-1",
        "date": date.isoformat(),
        "code_check": "sha256('certcli-site-v1|' + NUMBER + '|' + CODE)[:32], CODE as printed "
        "(XXXXX-XXXXX, upper case)",
        "certificates": statuses,
    }
    data = {
        "status.json": json.dumps(status_doc, ensure_ascii=False, indent=1) + "\n",
        "status.js": _js("CERTCLI_STATUS", status_doc),
        "annuaire.js": _js("CERTCLI_ANNUAIRE", _search_data(holders)),
    }
    for target, source in STATIC.items():
        data[target] = env.loader.get_source(env, source)[0]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / "titulaires").mkdir()
        for name, text in {**pages, **data}.items():
            (tmp / name).write_text(text, encoding="utf-8")
        written_docs = docs.write(tmp / "documents", date=date, templates_dir=templates_dir)
        os.chmod(tmp, 0o755)
        _put_in_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "out": str(out),
        "holders": len(holders),
        "certificates": len(statuses),
        "files": sorted(
            [str(out / n) for n in (*pages, *data)]
            + [str(out / "documents" / p.name) for p in written_docs]
        ),
    }


def _put_in_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        tmp.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
