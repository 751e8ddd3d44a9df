"""Storing the planner's inputs: lever sets, reuse records of runs and the narratives beside the results.

Every change is one transaction with an audit entry. A lever becomes an assumption set whose
parent is the set it was derived from, so it inherits every value of that set, can carry its own
values and distributions, and is compared like any other set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from workbench.clock import epoch_to_text, text_to_epoch
from workbench.engine.declared import DECLARED_LEVELS, DeclaredEnergy, energy_method
from workbench.engine.planner.context import REUSE_RELATIONS, ReuseRecord
from workbench.engine.planner.levers import LeverSpec, lever_from_dict, moment_text
from workbench.errors import NotFoundError, UsageError
from workbench.project import assumption_sets, planner_repo, repo
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service

log = logging.getLogger(__name__)

NARRATIVE_TOPICS = {
    "method_limits": "Method limits",
    "relocation_effects": "Territorial effects of relocation (demand on local grids, water)",
    "hardware_end_of_life": "Hardware end of life",
    "offsets_and_credits": "Offsets or credits held (reported separately, never netted)",
}
ALTERNATIVE_KEYS = ("accelerators", "accelerator_model", "accelerator_hours", "avg_power_w", "tdp_w", "power_basis",
                    "energy_kwh", "flops")
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class StoredLever:
    """A lever set: its name, the set it was derived from, the lever and why it was created."""

    name: str
    parent: str | None
    spec: LeverSpec
    rationale: str
    created_by: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {"set": self.name, "parent": self.parent, "kind": self.spec.kind,
                "parameters": dict(self.spec.parameters), "label": self.spec.label(), "rationale": self.rationale,
                "created_by": self.created_by, "created_at": self.created_at}


def list_levers(project: Project, parent: str | None = None) -> list[StoredLever]:
    """Return the stored levers, only those derived from ``parent`` when it is given."""
    levers = [StoredLever(row["set"], row["parent"], lever_from_dict(row), row["rationale"], row["created_by"],
                          row["created_at"]) for row in planner_repo.list_levers(project.conn)]
    return [lever for lever in levers if parent is None or lever.parent == parent]


def default_name(parent: str, spec: LeverSpec) -> str:
    """Return a set name such as ``baseline what-if: time shift (window_hours 12)``."""
    name = f"{parent} what-if: {spec.label()}"
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS - 1] + "…"


def save_lever(project: Project, spec: LeverSpec, *, parent: str = assumption_service.DEFAULT_SET,
               name: str | None = None, rationale: str) -> str:
    """Store ``spec`` as a what-if set derived from ``parent`` and return the set's name.

    The same lever derived from the same set is stored once: saving it again returns the
    existing set. Raises UsageError for an empty rationale or a name taken by another set.
    """
    if not rationale.strip():
        raise UsageError("every lever needs a rationale", hint="Say why, for example 'scheduler can wait 12 hours'.")
    for lever in list_levers(project, parent):
        if lever.spec.canonical() == spec.canonical() and (name is None or lever.name == name):
            return lever.name
    name = name or _free_name(project, default_name(parent, spec))
    with project.transaction():
        assumption_sets.create_set(project.conn, name, project.actor, parent)
        project.log("create_assumption_set", f"assumption_set:{name}", {"name": name, "parent": parent})
        planner_repo.insert_lever(project.conn, name, spec.kind, dict(spec.parameters), rationale=rationale,
                                  actor=project.actor)
        project.log("save_lever", f"assumption_set:{name}", {"kind": spec.kind, "parameters": dict(spec.parameters),
                                                            "parent": parent, "rationale": rationale})
    log.info("saved lever %s (%s) derived from %s", name, spec.kind, parent)
    return name


def _free_name(project: Project, name: str) -> str:
    taken = {item["name"] for item in assumption_sets.list_sets(project.conn)}
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name} ({number})"
        number += 1
    return candidate


# -- reuse records ----------------------------------------------------------------------------------------

def mark_reuse(project: Project, run: str, *, relation: str, alternative: dict[str, Any], source: str,
               base_model: str | None = None, start: str | None = None, end: str | None = None) -> ReuseRecord:
    """Record that ``run`` reused an earlier model (or could have), with the declared cost of the alternative.

    ``alternative`` has keys of a declared run (accelerators, accelerator_hours, avg_power_w,
    tdp_w, power_basis, energy_kwh, flops). Its window defaults to the run's start and, when the
    declaration gives accelerators and accelerator-hours, their quotient; else the run's own length.
    """
    if relation not in REUSE_RELATIONS:
        raise UsageError(f"unknown reuse relation '{relation}'", hint=f"Use one of: {', '.join(REUSE_RELATIONS)}.")
    if not source.strip():
        raise UsageError("a reuse record needs the source of the alternative's declared cost",
                         hint="Name the paper, model card or internal estimate.")
    row = _run_row(project, run)
    record = _alternative_record(alternative, relation, base_model, source, row, start, end)
    with project.transaction():
        planner_repo.upsert_reuse(project.conn, int(row["id"]), record, actor=project.actor)
        project.log("mark_reuse", f"run:{run}", record)
    log.info("run %s marked %s (base model %s)", run, relation, base_model)
    return reuse_record(dict(record, run=run))


def parse_reuse(text: str) -> tuple[str, dict[str, Any]]:
    """Split ``RUN:relation=R,base_model=M,KEY=VALUE,...,source=TEXT`` into the run and :func:`mark_reuse` arguments.

    KEY is a key of the alternative's declaration (see ALTERNATIVE_KEYS), ``start`` or ``end``.
    Values cannot contain commas.
    """
    run, separator, rest = text.partition(":")
    if not separator or not run.strip():
        raise UsageError(f"'{text}' does not start with RUN:", hint="Write RUN:relation=fine_tuned,energy_kwh=900,"
                                                                  "source=model card table 3.")
    arguments: dict[str, Any] = {"alternative": {}}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals:
            raise UsageError(f"'{item}' in '{text}' is not KEY=VALUE")
        if key in ("relation", "base_model", "source", "start", "end"):
            arguments[key] = value.strip()
        elif key in ALTERNATIVE_KEYS:
            arguments["alternative"][key] = value.strip()
        else:
            raise UsageError(f"unknown key '{key}' in '{text}'",
                             hint=f"Use relation, base_model, source, start, end or {', '.join(ALTERNATIVE_KEYS)}.")
    for key in ("relation", "source"):
        if key not in arguments:
            raise UsageError(f"'{text}' needs {key}=")
    return run.strip(), arguments


def _run_row(project: Project, run: str) -> dict[str, Any]:
    runs = repo.list_runs(project.conn)
    found = runs[runs["name"] == run]
    if found.empty:
        raise NotFoundError(f"no run named '{run}'", hint=f"Runs: {', '.join(runs['name']) or 'none'}.")
    return found.iloc[0].to_dict()


def _alternative_record(alternative: dict[str, Any], relation: str, base_model: str | None, source: str,
                        row: dict[str, Any], start: str | None, end: str | None) -> dict[str, Any]:
    unknown = set(alternative) - set(ALTERNATIVE_KEYS)
    if unknown:
        raise UsageError(f"unknown keys of the alternative: {', '.join(sorted(unknown))}",
                         hint=f"Use: {', '.join(ALTERNATIVE_KEYS)}.")
    record = {key: alternative.get(key) for key in ALTERNATIVE_KEYS}
    record["power_basis"] = record["power_basis"] or "board"
    declared = _declaration(record)
    start_s = text_to_epoch(moment_text("reuse start", start)) if start else text_to_epoch(row["start_utc"])
    if start_s is None:
        raise UsageError(f"run {row['name']} has no start time, so the alternative needs start=")
    if end:
        end_s = text_to_epoch(moment_text("reuse end", end))
    elif declared.accelerators and declared.accelerator_hours:
        end_s = start_s + declared.accelerator_hours / declared.accelerators * 3600.0
    elif row["end_utc"]:
        end_s = start_s + (text_to_epoch(row["end_utc"]) - text_to_epoch(row["start_utc"]))
    else:
        raise UsageError(f"run {row['name']} has no end time, so the alternative needs end=")
    if end_s <= start_s:
        raise UsageError("the alternative's window ends before it starts")
    return dict(record, relation=relation, base_model=base_model, start_utc=epoch_to_text(start_s),
                end_utc=epoch_to_text(end_s), source_text=source)


def _declaration(record: dict[str, Any]) -> DeclaredEnergy:
    if record["power_basis"] not in DECLARED_LEVELS:
        raise UsageError(f"unknown power basis '{record['power_basis']}'",
                         hint=f"Use one of: {', '.join(DECLARED_LEVELS)}.")
    declared = DeclaredEnergy(
        level=DECLARED_LEVELS[record["power_basis"]], accelerators=_optional_int(record["accelerators"]),
        accelerator_model=record["accelerator_model"], accelerator_hours=_optional(record["accelerator_hours"]),
        avg_power_w=_optional(record["avg_power_w"]), tdp_w=_optional(record["tdp_w"]),
        energy_kwh=_optional(record["energy_kwh"]), flops=_optional(record["flops"]))
    try:
        energy_method(declared)
    except ValueError:
        raise UsageError("the alternative needs energy_kwh, accelerator_hours or flops") from None
    return declared


def _optional(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def reuse_record(row: dict[str, Any]) -> ReuseRecord:
    """Turn a stored reuse row into the engine's record; the window's accelerator-hours fill in as for declared runs."""
    from workbench.engine.runs import with_window_hours

    start_s, end_s = text_to_epoch(row["start_utc"]), text_to_epoch(row["end_utc"])
    declared = with_window_hours(_declaration(row), start_s, end_s)
    return ReuseRecord(row["run"], row["relation"], row["base_model"], declared, start_s, end_s, row["source_text"])


def load_reuse(project: Project) -> dict[str, ReuseRecord]:
    """Return the reuse records of the project's runs by run name."""
    return {row["run"]: reuse_record(row) for row in planner_repo.list_reuse(project.conn)}


# -- narratives ---------------------------------------------------------------------------------------------

def set_narrative(project: Project, topic: str, text: str) -> None:
    """Store the narrative of ``topic`` (see NARRATIVE_TOPICS); an empty text removes it."""
    if topic not in NARRATIVE_TOPICS:
        raise UsageError(f"unknown narrative topic '{topic}'", hint=f"Topics: {', '.join(NARRATIVE_TOPICS)}.")
    with project.transaction():
        before = planner_repo.list_narratives(project.conn).get(topic, {}).get("text")
        planner_repo.set_narrative(project.conn, topic, text, actor=project.actor)
        project.log("set_narrative", f"narrative:{topic}", {"before": before, "after": text or None})


def narratives(project: Project) -> list[dict[str, str]]:
    """Return the stored narratives in topic order, with their headings."""
    stored = planner_repo.list_narratives(project.conn)
    return [{"topic": topic, "heading": heading, **stored[topic]}
            for topic, heading in NARRATIVE_TOPICS.items() if topic in stored]
