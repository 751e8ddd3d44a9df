"""Lever specifications: each lever kind, its parameters with units and defaults, and their checks.

A :class:`LeverSpec` stores only the parameters a person set; :meth:`LeverSpec.value` falls back
to the documented default. Specs are plain JSON, so a lever is stored with its assumption set
and reproduced from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from workbench.engine.footprint_result import RUN_KINDS
from workbench.engine.views import FOOTPRINT, INVENTORY
from workbench.errors import UsageError

KINDS = ("time_shift", "relocation", "procurement", "facility_efficiency", "accelerator", "reuse", "experiments",
         "combination")
VIEW_OF_KIND = {kind: FOOTPRINT for kind in KINDS} | {"procurement": INVENTORY}
INSTRUMENT_KINDS = ("eac", "ppa")
WORK_UNITS = ("flop", "token")


@dataclass(frozen=True)
class ParameterSpec:
    """One lever parameter: its unit, kind of value, default and the basis of the default.

    ``kind`` is number, integer, text, texts (a list of names), time (ISO 8601 UTC), choice or
    levers (a list of member lever specs).
    """

    key: str
    label: str
    unit: str
    kind: str
    basis: str = ""
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


def _selection(what: str) -> tuple[ParameterSpec, ...]:
    return (
        ParameterSpec("runs", f"Runs {what}", "", "texts", "empty selects every run the lever applies to"),
        ParameterSpec("kinds", f"Run kinds {what}", "", "texts", "empty selects every kind", choices=RUN_KINDS),
        ParameterSpec("site", f"Site whose runs {what}", "", "text", "empty selects runs at every site"),
    )


PARAMETERS: dict[str, tuple[ParameterSpec, ...]] = {
    "time_shift": _selection("that move in time") + (
        ParameterSpec("window_hours", "Hours a run may start earlier or end later", "h", "number",
                      "engineering judgement: half a day either side; set the slack the lab's deadlines allow",
                      12.0, 0.0, 8760.0),
        ParameterSpec("window_start", "Earliest start of the window (overrides window_hours)", "UTC", "time"),
        ParameterSpec("window_end", "Latest end of the window (overrides window_hours)", "UTC", "time"),
        ParameterSpec("flexible_share", "Share of each hour's energy that can move", "fraction", "number",
                      "1 moves the whole run; a lower share leaves the rest at its hours", 1.0, 0.0, 1.0),
        ParameterSpec("offset_hours", "Chosen shift applied to every selected run (empty: each run's best start)",
                      "h", "integer", "", None, -8760, 8760),
        ParameterSpec("basis", "Intensity that picks the best start", "", "choice",
                      "average (attributional) unless a marginal series is preferred for the decision", "average",
                      choices=("average", "marginal")),
    ),
    "relocation": _selection("that move") + (
        ParameterSpec("zone", "Grid zone the runs move to", "", "text", "empty takes the zone of the target site"),
        ParameterSpec("to_site", "Site the runs move to (its zone, PUE category and metered PUE)", "", "text"),
        ParameterSpec("pue", "PUE at the new location", "kWh facility / kWh IT", "number",
                      "empty keeps the set's PUE, or the target site's metered PUE where the set uses metered PUE",
                      None, 1.0, 5.0),
        ParameterSpec("transfer_kwh", "Energy to move data and checkpoints, per run", "kWh", "number",
                      "no default data-transfer energy; set it from the volume moved", 0.0, 0.0, 1e9),
    ),
    "procurement": (
        ParameterSpec("mwh", "Volume bought", "MWh", "number", required=True, minimum=0.0, maximum=1e9),
        ParameterSpec("type", "Instrument", "", "choice",
                      "eac: energy attribute certificates (GO, REC); ppa: a PPA with its certificates retired", "eac",
                      choices=INSTRUMENT_KINDS),
        ParameterSpec("market", "Market of the instrument", "", "text",
                      "empty takes the market with the most consumption not yet covered by instruments"),
        ParameterSpec("vintage_start", "Start of the vintage", "UTC", "time", "empty takes the reporting period"),
        ParameterSpec("vintage_end", "End of the vintage", "UTC", "time", "empty takes the reporting period"),
        ParameterSpec("ef_kg_per_mwh", "Emission rate of the instrument", "kgCO2e / MWh", "number",
                      "0 for wind, solar, hydro and nuclear certificates", 0.0, 0.0, 2000.0),
        ParameterSpec("label", "Description of the instrument", "", "text"),
    ),
    "facility_efficiency": (
        ParameterSpec("site", "Site whose PUE improves", "", "text", "empty takes the only site with runs"),
        ParameterSpec("pue", "New PUE", "kWh facility / kWh IT", "number", required=True, minimum=1.0, maximum=5.0),
        ParameterSpec("from", "First hour the new PUE applies to", "UTC", "time", "empty applies it to every hour"),
    ),
    "accelerator": _selection("that move to the other hardware") + (
        ParameterSpec("energy_ratio", "Energy of the same work on the new hardware / on the current hardware",
                      "fraction", "number", "", None, 0.01, 100.0),
        ParameterSpec("current_j_per_unit", "Energy per unit of work on the current hardware", "J", "number",
                      "measured or published", None, 0.0, 1e30),
        ParameterSpec("new_j_per_unit", "Energy per unit of work on the new hardware", "J", "number",
                      "measured or published", None, 0.0, 1e30),
        ParameterSpec("unit", "Unit of work", "", "choice", "", "flop", choices=WORK_UNITS),
        ParameterSpec("current", "Current accelerator (shipped specifications)", "", "text"),
        ParameterSpec("new", "New accelerator (shipped specifications)", "", "text"),
        ParameterSpec("time_ratio", "Duration on the new hardware / on the current hardware", "fraction", "number",
                      "empty: the ratio of peak throughputs when both accelerators are named, else 1", None, 0.01,
                      100.0),
        ParameterSpec("accelerators", "Accelerators each run uses on the new hardware", "count", "integer",
                      "empty keeps each run's count", None, 1, 1e7),
        ParameterSpec("library_entry", "Hardware library entry of the new accelerator", "", "text"),
        ParameterSpec("asset", "Procurement record (item) of the new accelerator", "", "text"),
        ParameterSpec("embodied_kg_per_accelerator", "Embodied emissions of one new accelerator", "kgCO2e",
                      "number", "", None, 0.0, 1e6),
        ParameterSpec("embodied_source", "Source of the embodied emissions", "", "text"),
        ParameterSpec("lifetime_years", "Lifetime of the new accelerators", "years", "number",
                      "empty takes the library entry's or procurement record's lifetime, else 5 years", None, 0.1,
                      30.0),
        ParameterSpec("fleet", "New accelerators at the site", "count", "integer",
                      "empty takes the site's current accelerator count", None, 1, 1e7),
        ParameterSpec("replaces", "Asset categories the new hardware replaces", "", "texts", "",
                      ("gpu", "accelerator")),
    ),
    "reuse": (
        ParameterSpec("runs", "Runs with a reuse record to include", "", "texts", "empty includes every record"),
    ),
    "experiments": (
        ParameterSpec("cap_share", "Cap on experiments' facility energy, as a share of the final runs' per model",
                      "fraction", "number", "", None, 0.0, 100.0),
        ParameterSpec("stop_failed_after", "Share of a failed run's energy spent before early stopping", "fraction",
                      "number", "", None, 0.0, 1.0),
        ParameterSpec("kinds", "Run kinds the cap applies to", "", "texts", "", ("experiment",), choices=RUN_KINDS),
    ),
    "combination": (
        ParameterSpec("levers", "Levers applied together", "", "levers", required=True),
    ),
}


@dataclass(frozen=True)
class LeverSpec:
    """A lever kind and the parameters a person set (checked; defaults are not stored)."""

    kind: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def view(self) -> str:
        return VIEW_OF_KIND[self.kind]

    def value(self, key: str) -> Any:
        """Return the parameter's value, else its default."""
        if key in self.parameters:
            return self.parameters[key]
        return _spec(self.kind, key).default

    def members(self) -> tuple["LeverSpec", ...]:
        """Return the member levers of a combination (empty for other kinds)."""
        if self.kind != "combination":
            return ()
        return tuple(lever_from_dict(item) for item in self.parameters["levers"])

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "parameters": dict(self.parameters)}

    def canonical(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        """Return a short description such as ``time shift (window 12 h)``."""
        keys = [item.key for item in PARAMETERS[self.kind] if item.key in self.parameters and item.key != "levers"]
        shown = ", ".join(f"{key} {_show(self.parameters[key])}" for key in keys)
        if self.kind == "combination":
            shown = " + ".join(member.label() for member in self.members())
        name = self.kind.replace("_", " ")
        return f"{name} ({shown})" if shown else name


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _spec(kind: str, key: str) -> ParameterSpec:
    for spec in PARAMETERS[kind]:
        if spec.key == key:
            return spec
    known = ", ".join(spec.key for spec in PARAMETERS[kind])
    raise UsageError(f"lever {kind} has no parameter '{key}'", hint=f"Parameters of {kind}: {known}.")


def make_lever(kind: str, parameters: Mapping[str, Any] | None = None) -> LeverSpec:
    """Return a checked lever; raise UsageError for an unknown kind, parameter or value."""
    if kind not in KINDS:
        raise UsageError(f"unknown lever '{kind}'", hint=f"Levers: {', '.join(KINDS)}.")
    checked = {}
    for key, value in (parameters or {}).items():
        spec = _spec(kind, key)
        if value is None or value == "" or value == []:
            continue
        checked[key] = coerce_parameter(kind, spec, value)
    for spec in PARAMETERS[kind]:
        if spec.required and spec.key not in checked:
            raise UsageError(f"lever {kind} needs the parameter '{spec.key}' ({spec.label}, {spec.unit or 'text'})")
    return LeverSpec(kind, checked)


def lever_from_dict(data: Mapping[str, Any]) -> LeverSpec:
    """Return the lever stored as ``{"kind": ..., "parameters": {...}}``."""
    if "kind" not in data:
        raise UsageError(f"a lever needs a kind, not {dict(data)!r}")
    return make_lever(str(data["kind"]), data.get("parameters") or {})


def coerce_parameter(kind: str, spec: ParameterSpec, value: Any) -> Any:
    """Return ``value`` as the parameter's type; raise UsageError naming the lever, key and value."""
    where = f"lever {kind}, parameter '{spec.key}'"
    if spec.kind in ("number", "integer"):
        number = _number(where, value, spec.kind == "integer")
        if spec.minimum is not None and number < spec.minimum:
            raise UsageError(f"{where} must be at least {spec.minimum:g}, not {number:g}")
        if spec.maximum is not None and number > spec.maximum:
            raise UsageError(f"{where} must be at most {spec.maximum:g}, not {number:g}")
        return number
    if spec.kind == "texts":
        items = [item.strip() for item in (value.replace("+", ";").split(";") if isinstance(value, str) else value)]
        items = [str(item) for item in items if item]
        if spec.choices and any(item not in spec.choices for item in items):
            raise UsageError(f"{where}: {', '.join(items)} is not among {', '.join(spec.choices)}")
        return items
    if spec.kind == "time":
        return moment_text(where, value)
    if spec.kind == "choice":
        if str(value) not in spec.choices:
            raise UsageError(f"{where} must be one of {', '.join(spec.choices)}, not '{value}'")
        return str(value)
    if spec.kind == "levers":
        members = [item if isinstance(item, LeverSpec) else lever_from_dict(item) for item in value]
        if len(members) < 2:
            raise UsageError(f"{where}: a combination needs at least two levers, not {len(members)}")
        return [member.as_dict() for member in members]
    return str(value).strip()


def _number(where: str, value: Any, integer: bool) -> float | int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where} must be a number, not '{value}'") from None
    if integer:
        if number != int(number):
            raise UsageError(f"{where} must be a whole number, not {number:g}")
        return int(number)
    return number


def moment_text(where: str, value: Any) -> str:
    """Return an ISO 8601 date or date-time (UTC unless an offset is given) as UTC text."""
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: '{text}' is not a date or time",
                         hint="Write an ISO 8601 date or time such as 2025-03-30 or 2025-03-30T06:00Z.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment_seconds(text: str | None) -> float | None:
    """Return Unix seconds of a time stored by :func:`moment_text`; None stays None."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def parse_lever(text: str) -> tuple[str, dict[str, str]]:
    """Split ``KIND[:KEY=VALUE,KEY=VALUE...]`` into the kind and raw parameter texts.

    Lists inside a value are separated by ``;`` or ``+``. The caller resolves references (such
    as the members of a combination) and then calls :func:`make_lever`.
    """
    kind, _, rest = text.strip().partition(":")
    parameters: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, separator, value = item.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"'{item}' in lever '{text}' is not KEY=VALUE",
                             hint="Write for example time_shift:window_hours=12,flexible_share=0.5.")
        parameters[key.strip()] = value.strip()
    return kind.strip(), parameters
