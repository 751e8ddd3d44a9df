"""The uncertainty model of the footprint view (SCI-style, per run, location-based).

Per run, level and factor group the facility energy and operational emissions are::

    facility    = scale x E x [uplift] x [f_dist] x (pue, or the metered PUE's meter ratio)
    operational = scale x W / 1000 x (the same) x factor error of the group

with ``W`` the energy weighted by the matched location-based factors (g/kWh). ``scale`` is 1
for telemetry runs and the declared energy for declared runs (it depends on MFU, TDP
utilization or default power when the declaration needs them). Telemetry errors multiply a
run's energy at its level; GPU sensor offsets add W x device-hours. Embodied emissions come from
:mod:`workbench.engine.uncertainty.embodied_model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.footprint import PreparedFootprint
from workbench.engine.periods import Period
from workbench.engine.uncertainty import resolve
from workbench.engine.uncertainty.builder import (PHASE_ACTIVITY, PHASE_CHAIN, PHASE_DECLARED, PHASE_FACTORS,
                                                  Lookup, ModelBuilder, Resolved, main_component, pool_members,
                                                  segment_sum)
from workbench.engine.uncertainty.defaults import TABLE
from workbench.engine.uncertainty.embodied_model import add_embodied
from workbench.engine.uncertainty.factor_groups import CLASSES, FactorGroups, factor_groups
from workbench.engine.uncertainty.model import UncertainInput, UncertaintyModel, explicit_members

OUTPUTS = ("gpu_energy_kwh", "facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg")
DERIVED = {"total_co2e_kg": {"operational_co2e_kg": 1.0, "embodied_co2e_kg": 1.0}}
GPU, FACILITY, OPERATIONAL, EMBODIED = range(4)
MAIN_ORDER = (OPERATIONAL, EMBODIED, FACILITY, GPU)
# Runs with fewer hours of telemetry than this count as short or bursty for the sampling term.
# NOTE: the two-hour limit is engineering judgement; the methodology names no threshold.
SHORT_RUN_HOURS = 2.0
# Declared energy depends on these assumptions with these exponents, when the declaration needs them.
DECLARED_KEYS = (("compute_mfu", -1.0), ("compute_peak_flops_per_s", -1.0), ("tdp_utilization", 1.0),
                 ("compute_power_w", 1.0))
LOSS_KEYS = {1: "distribution_loss_ups", 2: "distribution_loss_pdu"}


@dataclass(frozen=True)
class MeterInfo:
    """The meters of one site at one point (facility or IT level) with their accuracy class."""

    site: str
    level: str
    names: tuple[str, ...]
    accuracy_class: str | None


@dataclass(frozen=True)
class TelemetryDetail:
    """Facts about the project's telemetry and meters beyond the prepared footprint.

    ``device_run``, ``device_id`` and ``device_hours`` give each run's device-hours of GPU
    telemetry per device (a device is one GPU in nvidia-smi logs). ``energy_source`` maps a run
    index to ``nvml`` for energy-counter telemetry. Other GPU telemetry is sampled board power.
    """

    device_run: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    device_id: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    device_hours: np.ndarray = field(default_factory=lambda: np.empty(0))
    energy_source: Mapping[int, str] = field(default_factory=dict)
    meters: tuple[MeterInfo, ...] = ()


def build_footprint_model(prepared: PreparedFootprint, a: Assumptions, lookup: Lookup, *,
                          period: Period | None = None, selection: Sequence[int] | None = None,
                          detail: TelemetryDetail | None = None, tabulate: bool = True) -> UncertaintyModel:
    """Build the footprint model of the selected runs (all when None) for ``period`` under ``a``.

    ``tabulate`` False replaces the lifetime tables by their slope at the value, which is all
    the analytic propagation needs and much faster to build.
    """
    detail = detail or TelemetryDetail()
    chosen = np.zeros(len(prepared.inputs), dtype=bool)
    chosen[np.arange(len(prepared.inputs)) if selection is None else np.asarray(selection, dtype=np.int64)] = True
    b = ModelBuilder("footprint", OUTPUTS)
    context = _Context(prepared, a, lookup, period, chosen, detail, b)
    context.add_energy_and_operational()
    context.add_gpu_energy()
    context.add_device_offsets()
    add_embodied(b, prepared, a, lookup, period, chosen, EMBODIED, tabulate)
    return b.build(DERIVED)


class _Context:
    """Arrays shared by the steps of one footprint model build."""

    def __init__(self, prepared: PreparedFootprint, a: Assumptions, lookup: Lookup, period: Period | None,
                 chosen: np.ndarray, detail: TelemetryDetail, b: ModelBuilder) -> None:
        self.prepared, self.a, self.lookup, self.period, self.chosen, self.detail, self.b = (
            prepared, a, lookup, period, chosen, detail, b)
        self.sums = prepared.sums(a.factor_zone or None, period)
        self.scale, _, self.f_dist, self.categories = prepared.run_scales(a)
        correlations = {key: resolve.correlation(lookup, key) for key in CLASSES}
        self.groups: FactorGroups = factor_groups(prepared, a.factor_zone or None, period, correlations)
        self.metered_mode = a.pue_source == "metered"
        self.declared_inputs, self.scale_coef = self._declared()
        self.rows = self._rows()
        self.tele_class = self._telemetry_classes()

    # -- inputs of the declared runs and the energy chain -------------------------------------------

    def _declared(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Register declared-energy assumptions; return per-run input indices per key and scale / prod x^e."""
        count = len(self.prepared.inputs)
        dependence = declared_dependence(self.prepared)
        inputs, coef = {}, self.scale.copy()
        for key, exponent in DECLARED_KEYS:
            needs = dependence[key] & self.chosen
            column = np.full(count, -1, dtype=np.int64)
            if needs.any():
                resolved = resolve.assumption(self.lookup, key, self.a)
                index = self.b.input(assumption_input(key, self.a, resolved), PHASE_DECLARED)
                column[needs] = index
                coef[needs] /= getattr(self.a, key) ** exponent
            inputs[key] = column
        return inputs, coef

    def _rows(self) -> dict[str, np.ndarray]:
        """Select the group rows that enter the chosen runs under the PUE source, with their chain inputs."""
        g = self.groups
        metered_run = g.metered_runs[g.run] & self.metered_mode
        split = metered_run & (g.level < 3)
        keep = self.chosen[g.run] & np.where(split, g.variant > 0, g.variant == 0)
        rows = {name: getattr(g, name)[keep] for name in ("run", "level", "variant", "group", "energy_kwh",
                                                          "weighted")}
        a, b = self.a, self.b
        level, variant, run = rows["level"], rows["variant"], rows["run"]
        uses_pue = (level < 3) & (variant != 1)
        pue = b.input(assumption_input("pue", a, resolve.assumption(self.lookup, "pue", a)), PHASE_CHAIN)
        uplift = b.input(assumption_input("node_uplift", a, resolve.assumption(self.lookup, "node_uplift", a)),
                         PHASE_CHAIN)
        rows["pue"] = np.where(uses_pue, pue, -1)
        rows["uplift"] = np.where(level == 0, uplift, -1)
        rows["loss"] = self._loss_inputs(run, level)
        rows["meter_facility"], rows["meter_it"] = self._meter_inputs(run, variant)
        nominal = self.scale[run] * np.where(level == 0, a.node_uplift, 1.0) \
            * np.where(level <= 1, self.f_dist[run], 1.0) * np.where(uses_pue, a.pue, 1.0)
        rows["facility_nominal"] = rows["energy_kwh"] * nominal
        rows["operational_nominal"] = rows["weighted"] * nominal / 1000.0
        return rows

    def _loss_inputs(self, run: np.ndarray, level: np.ndarray) -> np.ndarray:
        column = np.full(len(run), -1, dtype=np.int64)
        for code, key in LOSS_KEYS.items():
            chosen = (self.categories[run] == code) & (level <= 1)
            if chosen.any():
                resolved = resolve.assumption(self.lookup, key, self.a)
                item = assumption_input(key, self.a, resolved)
                column[chosen] = self.b.input(UncertainInput(item.name, item.label, key, item.distribution,
                                                             item.nominal, item.unit, item.basis, item.origin,
                                                             offset=1.0), PHASE_CHAIN)
        return column

    def _meter_inputs(self, run: np.ndarray, variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inputs of the facility and IT meters behind each metered hourly PUE (variant 1 rows)."""
        facility = np.full(len(run), -1, dtype=np.int64)
        it = np.full(len(run), -1, dtype=np.int64)
        metered = variant == 1
        if not metered.any():
            return facility, it
        by_site = {(info.site, info.level): info for info in self.detail.meters}
        for site in sorted({self.prepared.inputs[r].site or "" for r in np.unique(run[metered])}):
            rows = metered & np.array([self.prepared.inputs[r].site == site for r in run])
            for level, column in (("facility", facility), ("it", it)):
                info = by_site.get((site, level)) or MeterInfo(site, level, (f"{site} {level} meter",), None)
                resolved = resolve.meter(self.lookup, info.names[0], level, info.accuracy_class)
                name = "meter:" + "+".join(info.names)
                column[rows] = self.b.input(UncertainInput(name, f"{level} meter {', '.join(info.names)}", "meter",
                                                           resolved.distribution, 1.0, "multiplier", resolved.basis,
                                                           resolved.origin), PHASE_ACTIVITY)
        return facility, it

    # -- telemetry and declared-energy members ----------------------------------------------------------

    def _telemetry_classes(self) -> dict[int, np.ndarray]:
        return telemetry_classes(self.prepared, self.sums.hours_in_period, self.detail)

    def _member_inputs(self, class_keys: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Decide explicit and pooled members of per-run classes; return each run's explicit input or -1."""
        result = np.full(len(class_keys), -1, dtype=np.int64)
        for class_key in sorted(set(class_keys[self.chosen]) - {""}):
            members = np.flatnonzero((class_keys == class_key) & self.chosen)
            names = [self.prepared.inputs[r].name for r in members]
            resolved = resolve.members(self.lookup, class_key, names)
            result[members] = pool_members(self.b, class_key, members, vectors[members], resolved, names,
                                           PHASE_ACTIVITY, main_component(vectors[members], MAIN_ORDER))
        return result

    # -- steps ---------------------------------------------------------------------------------------

    def add_energy_and_operational(self) -> None:
        rows, b = self.rows, self.b
        run, level, count = rows["run"], rows["level"], len(self.prepared.inputs)
        vectors = {code: np.zeros((count, len(OUTPUTS))) for code in (0, 1)}
        level_code = np.where(level == 0, 0, 1)
        for code in (0, 1):
            chosen = (level_code == code) & (self.tele_class[code][run] != "")
            vectors[code][:, FACILITY] += segment_sum(run[chosen], rows["facility_nominal"][chosen], count)
            vectors[code][:, OPERATIONAL] += segment_sum(run[chosen], rows["operational_nominal"][chosen], count)
        vectors[0][:, GPU] = self.sums.gpu_part_kwh * self.scale
        self.tele_members = {code: self._member_inputs(self.tele_class[code], vectors[code]) for code in (0, 1)}
        self.declared_member = self._declared_members()
        tele = np.where(level_code == 0, self.tele_members[0][run], self.tele_members[1][run])
        ef = self._factor_members()
        common = [(rows[name], 1.0) for name in ("pue", "uplift", "loss", "meter_facility")]
        common += [(rows["meter_it"], -1.0), (tele, 1.0), (self.declared_member[run], 1.0)]
        common += [(self.declared_inputs[key][run], exponent) for key, exponent in DECLARED_KEYS]
        coef = self.scale_coef[run]
        facility = np.zeros((len(run), len(OUTPUTS)))
        facility[:, FACILITY] = rows["energy_kwh"] * coef
        b.add(facility, per_row=common)
        operational = np.zeros((len(run), len(OUTPUTS)))
        operational[:, OPERATIONAL] = rows["weighted"] * coef / 1000.0
        factor = np.where(rows["group"] >= 0, ef[np.maximum(rows["group"], 0)], -1)
        b.add(operational, per_row=common + [(factor, 1.0)])

    def _declared_members(self) -> np.ndarray:
        count = len(self.prepared.inputs)
        classes = np.array(["declared.energy" if run.declared is not None else "" for run in self.prepared.inputs],
                           dtype=object)
        vectors = np.zeros((count, len(OUTPUTS)))
        rows = self.rows
        vectors[:, FACILITY] = segment_sum(rows["run"], rows["facility_nominal"], count)
        vectors[:, OPERATIONAL] = segment_sum(rows["run"], rows["operational_nominal"], count)
        vectors[:, GPU] = self.sums.gpu_part_kwh * self.scale
        return self._member_inputs(classes, vectors)

    def _factor_members(self) -> np.ndarray:
        """Decide explicit and pooled factor groups; return each group's explicit input or -1."""
        g, rows = self.groups, self.rows
        count = len(g.group_name)
        result = np.full(max(count, 1), -1, dtype=np.int64)
        matched = rows["group"] >= 0
        vectors = np.zeros((count, len(OUTPUTS)))
        vectors[:, OPERATIONAL] = segment_sum(rows["group"][matched], rows["operational_nominal"][matched], count)
        present = np.zeros(count, dtype=bool)
        present[rows["group"][matched]] = True
        classes = np.array(g.group_class, dtype=object)
        for class_key in CLASSES:
            members = np.flatnonzero(present & (classes == class_key)) if count else np.empty(0, dtype=np.int64)
            if not len(members):
                continue
            resolved = resolve.members(self.lookup, class_key, [g.group_zone[m] for m in members])
            names = [g.group_name[m].split(":", 1)[1] for m in members]
            result[members] = pool_members(self.b, class_key, members, vectors[members], resolved, names,
                                           PHASE_FACTORS, vectors[members, OPERATIONAL])
        return result

    def add_gpu_energy(self) -> None:
        chosen = np.flatnonzero(self.chosen & (self.sums.gpu_part_kwh > 0))
        coefficients = np.zeros((len(chosen), len(OUTPUTS)))
        coefficients[:, GPU] = self.sums.gpu_part_kwh[chosen] * self.scale_coef[chosen]
        per_row = [(self.tele_members[0][chosen], 1.0), (self.declared_member[chosen], 1.0)]
        per_row += [(self.declared_inputs[key][chosen], exponent) for key, exponent in DECLARED_KEYS]
        self.b.add(coefficients, per_row=per_row)

    def add_device_offsets(self) -> None:
        """Add persistent GPU sensor offsets (W): independent per device, or one offset for all."""
        d = self.detail
        resolved = resolve.activity(self.lookup, "telemetry.gpu_offset_w")
        keep = self.chosen[d.device_run] if len(d.device_run) else np.zeros(0, dtype=bool)
        if resolved.distribution.is_fixed or not keep.any():
            return
        run, device, hours = d.device_run[keep], d.device_id[keep], d.device_hours[keep]

        totals = np.array([float(item.gpu_part_kwh.sum()) for item in self.prepared.inputs])
        with np.errstate(invalid="ignore", divide="ignore"):
            in_period = np.where(totals > 0, self.sums.gpu_part_kwh / totals, 0.0)
        board = self.rows["level"] == 0
        energy = np.bincount(self.rows["run"][board], self.rows["energy_kwh"][board], len(totals))
        facility = np.bincount(self.rows["run"][board], self.rows["facility_nominal"][board], len(totals))
        operational = np.bincount(self.rows["run"][board], self.rows["operational_nominal"][board], len(totals))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_kwh = np.stack([np.ones(len(totals)), np.where(energy > 0, facility / energy, 0.0),
                                np.where(energy > 0, operational / energy, 0.0), np.zeros(len(totals))], axis=1)
        effect = (hours * in_period[run] / 1000.0)[:, None] * per_kwh[run]

        correlation = resolved.distribution.correlation or "device"
        row = TABLE["telemetry.gpu_offset_w"]
        if correlation == "all":
            index = self.b.input(UncertainInput("telemetry.gpu_offset_w", row.label + ", one offset for all GPUs",
                                                "telemetry.gpu_offset_w", resolved.distribution, 0.0, "W",
                                                resolved.basis, resolved.origin), PHASE_ACTIVITY)
            self.b.add(effect.sum(axis=0)[None, :], fixed={index: 1.0})
            return

        devices, inverse = np.unique(device, return_inverse=True)
        vectors = segment_sum(inverse.reshape(-1), effect, len(devices))
        result = np.full(len(devices), -1, dtype=np.int64)
        self._pool_offsets(devices, vectors, resolved, result)
        for position in np.flatnonzero(result >= 0):
            self.b.add(vectors[position][None, :], fixed={int(result[position]): 1.0})

    def _pool_offsets(self, devices: np.ndarray, vectors: np.ndarray, resolved: Resolved, result: np.ndarray) -> None:
        distribution = resolved.distribution
        var = np.full(len(devices), distribution.sd() ** 2)
        size = main_component(vectors, MAIN_ORDER)
        explicit = explicit_members(size * size * var)
        row = TABLE["telemetry.gpu_offset_w"]
        for position in np.flatnonzero(explicit):
            result[position] = self.b.input(UncertainInput(
                f"telemetry.gpu_offset_w:device {int(devices[position])}", f"{row.label}: device "
                f"{int(devices[position])}", "telemetry.gpu_offset_w", distribution, 0.0, "W", resolved.basis,
                resolved.origin), PHASE_ACTIVITY)
        pooled = ~explicit
        if pooled.any():
            self.b.family("telemetry.gpu_offset_w", f"{row.label} ({int(pooled.sum())} independent GPUs)",
                          "telemetry.gpu_offset_w", vectors[pooled], np.full(int(pooled.sum()), distribution.mean()),
                          var[pooled], resolved)


def telemetry_classes(prepared: PreparedFootprint, hours_in_period: np.ndarray,
                      detail: TelemetryDetail) -> dict[int, np.ndarray]:
    """Per level code (0 GPU board, 1 other levels): each run's telemetry class key, or '' for declared runs."""
    count = len(prepared.inputs)
    board = np.full(count, "", dtype=object)
    other = np.full(count, "", dtype=object)
    for index, run in enumerate(prepared.inputs):
        if run.declared is not None:
            continue
        if detail.energy_source.get(index) == "nvml":
            board[index] = "telemetry.nvml_energy"
        elif hours_in_period[index] < SHORT_RUN_HOURS:
            board[index] = "telemetry.sampling_bursty"
        else:
            board[index] = "telemetry.sampling_steady"
        other[index] = "telemetry.node_power"
    return {0: board, 1: other}


def declared_dependence(prepared: PreparedFootprint) -> dict[str, np.ndarray]:
    """Per run, whether its declared energy depends on each assumption of DECLARED_KEYS."""
    count = len(prepared.inputs)
    result = {key: np.zeros(count, dtype=bool) for key, _ in DECLARED_KEYS}
    if not len(prepared.declared_index):
        return result
    d = prepared.declared_arrays
    derived = np.isnan(d.energy_kwh)
    from_compute = derived & np.isnan(d.accelerator_hours) & ~np.isnan(d.flops)
    from_tdp = derived & np.isnan(d.avg_power_w) & ~np.isnan(d.tdp_w)
    from_default = derived & np.isnan(d.avg_power_w) & np.isnan(d.tdp_w)
    for key, mask in (("compute_mfu", from_compute), ("compute_peak_flops_per_s", from_compute),
                      ("tdp_utilization", from_tdp), ("compute_power_w", from_default)):
        result[key][prepared.declared_index[mask]] = True
    return result


def assumption_input(key: str, a: Assumptions, resolved: Resolved) -> UncertainInput:
    from workbench.engine.assumptions import SPECS

    spec = SPECS[key]
    return UncertainInput(key, spec.label, key, resolved.distribution, float(getattr(a, key)), spec.unit,
                          resolved.basis, resolved.origin)
