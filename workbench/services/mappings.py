"""Column mappings as a use case: propose one from a file, save it as a template, find it again."""

from __future__ import annotations

import logging
from pathlib import Path

from workbench.errors import NotFoundError, UsageError
from workbench.ingest.mapping import Mapping, Proposal, propose
from workbench.ingest.tables import Layout
from workbench.project import repo_library
from workbench.project.store import Project

log = logging.getLogger(__name__)


def propose_mapping(path: str | Path, kind: str = "meter", *, header_row: int | None = None,
                    header_rows: int = 1, sheet: str | None = None) -> Proposal:
    """Propose a mapping for ``path`` from its first rows (no project needed)."""
    return propose(Path(path), kind=kind, layout=Layout(sheet=sheet, header_row=header_row, header_rows=header_rows))


def load_file(path: str | Path) -> Mapping:
    """Read a mapping JSON file; raise UsageError when it is invalid."""
    return Mapping.from_file(path)


def save_template(project: Project, name: str, mapping: Mapping) -> int:
    """Store ``mapping`` as the template ``name`` (replacing an older one) in one transaction."""
    if not name.strip():
        raise UsageError("a mapping template needs a name")
    mapping.validate()
    with project.transaction():
        template_id = repo_library.save_mapping_template(project.conn, name.strip(), mapping.kind, mapping.to_dict(),
                                                         project.actor)
        project.log("save_mapping_template", f"mapping_template:{name}", {"kind": mapping.kind,
                                                                          "mapping": mapping.to_dict()})
    log.info("saved mapping template %s (%s)", name, mapping.kind)
    return template_id


def load_template(project: Project, name: str) -> Mapping:
    found = repo_library.mapping_template(project.conn, name)
    if found is None:
        raise NotFoundError(f"no mapping template named '{name}'",
                            hint="Save one with 'carbon-workbench mapping PROJECT FILE --save NAME', or pass a "
                                 "mapping JSON file.")
    return Mapping.from_dict(found[1])


def resolve(project: Project, reference: str | None, kind: str) -> Mapping | None:
    """Return the mapping that ``reference`` names: a JSON file path, else a template in the project."""
    if not reference:
        return None
    path = Path(reference)
    mapping = Mapping.from_file(path) if path.is_file() else load_template(project, reference)
    if mapping.kind != kind and not (kind == "green-button" and mapping.kind == "meter"):
        raise UsageError(f"the mapping '{reference}' is for {mapping.kind} files, not {kind}",
                         hint=f"Use a mapping made for --kind {kind}.")
    return mapping


def list_templates(project: Project) -> list[dict]:
    return repo_library.list_mapping_templates(project.conn).to_dict("records")
