"""The letter templates: where they are looked up and what each one says it is.

Templates are looked up in the secretariat's folder first (--templates DIR, else
CERTCLI_TEMPLATES), then in the built-in `templates/`; a file of the same name
overrides the built-in one. Each letter template opens with a header that says
what it is and which record it needs:

    {#- certcli
    description = "Accusé de réception du dossier"
    needs = "dossier"
    when = "refused"   # optional: the state the record must be in (conditions.CONDITIONS)
    workflow = "opqtecc"   # optional: the scheme route it is written for (opqtecc, cqpt)
    -#}
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from certcli.errors import NotFound, TemplateError, ValidationError
from certcli.letters import conditions, context
from certcli.records import dataclass
from certcli.rules import paths

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER = re.compile(r"\A\s*\{#-?\s*certcli\s*\n(.*?)-?#\}", re.S)


@dataclass
class TemplateInfo:
    name: str
    description: str
    needs: str | None
    source: str  # built-in | override
    path: Path
    requires: tuple[str, ...] = ()  # context values that must not be empty
    when: str | None = None  # a conditions.CONDITIONS name
    workflow: str | None = None  # the scheme route it is written for (None: any)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "needs": self.needs,
            "source": self.source,
            "requires": list(self.requires),
            "when": self.when,
            "workflow": self.workflow,
            "path": str(self.path),
        }


def own_templates_dir(templates_dir: str | Path | None = None) -> Path | None:
    """The secretariat's folder: --templates, else CERTCLI_TEMPLATES, else none."""
    chosen = templates_dir or os.environ.get("CERTCLI_TEMPLATES") or None
    if chosen is None:
        return None
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise TemplateError(f"templates folder {folder} does not exist")
    return folder


def search_path(templates_dir: str | Path | None = None) -> tuple[Path, ...]:
    own = own_templates_dir(templates_dir)
    builtin = paths.builtin_templates_dir()
    return (own, builtin) if own is not None else (builtin,)


def _header(path: Path) -> dict:
    match = _HEADER.match(path.read_text(encoding="utf-8"))
    if not match:
        return {}
    try:
        return tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"template {path.stem!r}: bad certcli header ({exc})") from None


def catalog(templates_dir: str | Path | None = None) -> dict[str, TemplateInfo]:
    """Every letter template by name; files starting with '_' are building blocks."""
    folders = search_path(templates_dir)
    builtin = folders[-1]
    found: dict[str, TemplateInfo] = {}
    for folder in reversed(folders):  # built-in first, so an override replaces it
        for path in sorted(folder.glob("*.html")):
            name = path.stem
            if name.startswith("_") or not _NAME.match(name):
                continue
            meta = _header(path)
            inherited = found.get(name)
            needs = meta.get("needs", inherited.needs if inherited else None)
            kinds = (*context.RECORD_KINDS, context.SESSION_KIND)
            if needs is not None and needs not in kinds:
                raise TemplateError(
                    f"template {name!r}: needs must be one of {', '.join(kinds)}, not {needs!r}"
                )
            when = meta.get("when", inherited.when if inherited else None) or None
            if when is not None and when not in conditions.CONDITIONS:
                raise TemplateError(
                    f"template {name!r}: when must be one of "
                    f"{', '.join(conditions.CONDITIONS)}, not {when!r}"
                )
            workflow = meta.get("workflow", inherited.workflow if inherited else None) or None
            if workflow is not None and workflow not in conditions.WORKFLOWS:
                raise TemplateError(
                    f"template {name!r}: workflow must be one of "
                    f"{', '.join(conditions.WORKFLOWS)}, not {workflow!r}"
                )
            found[name] = TemplateInfo(
                name=name,
                description=meta.get("description", inherited.description if inherited else ""),
                needs=needs,
                source="built-in" if folder == builtin else "override",
                path=path,
                requires=tuple(meta.get("requires", inherited.requires if inherited else ())),
                when=when,
                workflow=workflow,
            )
    return found


def find(name: str, templates_dir: str | Path | None = None) -> TemplateInfo:
    if not _NAME.match(name or ""):
        raise ValidationError(f"invalid template name {name!r} (lowercase letters, digits, '-')")
    templates = catalog(templates_dir)
    if name not in templates:
        raise NotFound(f"no letter template {name!r} (known: {', '.join(sorted(templates))})")
    return templates[name]
