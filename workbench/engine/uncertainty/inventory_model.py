"""The uncertainty model of the inventory view (GHG Protocol scopes of a reporting period).

Electricity per site and hour comes from a facility meter (x its meter error), an IT meter
(x its error x PUE) or the runs' facility energy (the footprint's chain with its telemetry
errors). From it:

* location-based Scope 2 (or Scope 3 category 1 at a cloud site): energy x factor x factor error;
* market-based Scope 2, linearized around the engine's allocation: a change of consumption is
  charged at the market's marginal rate. That rate is the residual-mix and location-fallback
  emissions over the uncovered consumption, or the residual mix average when instruments cover
  everything. Supplier rates carry their own error, and so do residual-mix factors;
* Scope 3 category 3: upstream factor x purchased electricity and the T&D loss rate x
  (location-based emissions + upstream), with the assumptions' distributions if set.

Scope 1 fuel lines take the uncertainty of their CO2 factor assumption, refrigerant top-ups a
release error per record. Capital goods share the PCF groups of the footprint (lognormal).
"""

from __future__ import annotations


import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.factors import match_hours
from workbench.engine.inventory import InventoryResult, PreparedInventory
from workbench.engine.inventory_layout import SOURCE_FACILITY_METER, SOURCE_IT_METER
from workbench.engine.periods import Period
from workbench.engine.uncertainty import resolve
from workbench.engine.uncertainty.builder import (PHASE_ACTIVITY, PHASE_CHAIN, PHASE_DECLARED, PHASE_EMBODIED,
                                                  PHASE_FACTORS, PHASE_SCOPE1, Lookup, ModelBuilder, main_component,
                                                  pool_members, segment_sum)
from workbench.engine.uncertainty.embodied_model import asset_groups
from workbench.engine.uncertainty.factor_groups import CLASSES
from workbench.engine.uncertainty.inventory_rows import KIND_FACILITY_METER, KIND_IT_METER, KIND_RUN, energy_structure
from workbench.engine.uncertainty.footprint_model import (DECLARED_KEYS, LOSS_KEYS, MeterInfo, TelemetryDetail,
                                                          assumption_input, declared_dependence, telemetry_classes)
from workbench.engine.uncertainty.model import UncertainInput, UncertaintyModel

OUTPUTS = ("scope1_co2e_kg", "scope2_location_co2e_kg", "scope2_market_co2e_kg", "scope3_category_1_co2e_kg",
           "scope3_category_2_co2e_kg", "scope3_category_3_co2e_kg", "scope2_energy_kwh")
S1, S2L, S2M, C1, C2, C3, E2 = range(7)
SCOPE3 = {"scope3_category_1_co2e_kg": 1.0, "scope3_category_2_co2e_kg": 1.0, "scope3_category_3_co2e_kg": 1.0}
DERIVED = {
    "scope3_co2e_kg": dict(SCOPE3),
    "total_location_based_co2e_kg": dict(SCOPE3, scope1_co2e_kg=1.0, scope2_location_co2e_kg=1.0),
    "total_market_based_co2e_kg": dict(SCOPE3, scope1_co2e_kg=1.0, scope2_market_co2e_kg=1.0),
}
MAIN_ORDER = (S2L, C1, S2M, C2, S1, C3, E2)


def build_inventory_model(prepared: PreparedInventory, a: Assumptions, lookup: Lookup, period: Period, *,
                          detail: TelemetryDetail | None = None, result: InventoryResult | None = None
                          ) -> UncertaintyModel:
    """Build the inventory model of ``period`` under ``a``; ``result`` is the inventory already computed, if any."""
    b = ModelBuilder("inventory", OUTPUTS)
    builder = _Inventory(prepared, a, lookup, period, detail or TelemetryDetail(), b, result)
    builder.add_electricity()
    builder.add_market()
    builder.add_scope1()
    builder.add_capital_goods()
    b.constant({"scope3_category_3_co2e_kg": builder.result.scope3["category_3"]["upstream_fuels_co2e_kg"]})
    return b.build(DERIVED)


class _Inventory:
    """Arrays shared by the steps of one inventory model build."""

    def __init__(self, prepared: PreparedInventory, a: Assumptions, lookup: Lookup, period: Period,
                 detail: TelemetryDetail, b: ModelBuilder, result: InventoryResult | None = None) -> None:
        self.prepared, self.a, self.lookup, self.period, self.detail, self.b = prepared, a, lookup, period, detail, b
        self.result: InventoryResult = result if result is not None else prepared.compute(a, period)
        self.layout = prepared.layout(period)
        correlations = {key: resolve.correlation(lookup, key) for key in CLASSES}
        self.rows, self.group_names = energy_structure(prepared, period, correlations)
        self.footprint = prepared.footprint
        self.scale, _, self.f_dist, self.categories = self.footprint.run_scales(a)
        self.market_names = list(self.layout.market_rows)

    def _marginal_rates(self) -> np.ndarray:
        """kgCO2e per kWh of extra consumption in each market (see the module docstring)."""
        rates = np.zeros(len(self.market_names))
        by_name = {market.market: market for market in self.result.market.markets}
        for index, name in enumerate(self.market_names):
            market = by_name.get(name)
            if market is None:
                continue
            remaining_kwh = (market.residual_mix_mwh + market.location_fallback_mwh) * 1000.0
            if remaining_kwh > 0:
                rates[index] = (market.residual_mix_co2e_kg + market.location_fallback_co2e_kg) / remaining_kwh
                continue
            residual = self.layout.residual_g[name]
            rows = self.layout.market_rows[name]
            fallback = self.layout.location_g[rows]
            values = residual[~np.isnan(residual)] if np.any(~np.isnan(residual)) else fallback[~np.isnan(fallback)]
            rates[index] = float(values.mean()) / 1000.0 if len(values) else 0.0
        return rates

    # -- coefficients of the energy rows ------------------------------------------------------------------

    def _coefficients(self, energy: np.ndarray, weighted: np.ndarray) -> dict[str, np.ndarray]:
        """Outputs of each row per unit of its multiplier: energy parts, factor parts and the optional Scope 3 parts.

        ``energy`` is kWh and ``weighted`` kWh x location factor / 1000 (kg) of each row.
        """
        rows, a = self.rows, self.a
        scope2 = rows["scope2"]
        rates = self._marginal_rates()
        market_rate = np.where(rows["market"] >= 0, rates[np.maximum(rows["market"], 0)], 0.0)
        coefficients = {"energy": np.zeros((len(energy), len(OUTPUTS))),
                        "factor": np.zeros((len(energy), len(OUTPUTS)))}
        coefficients["energy"][:, E2] = energy * scope2
        coefficients["energy"][:, S2M] = energy * market_rate * scope2
        coefficients["factor"][:, S2L] = weighted * scope2
        coefficients["factor"][:, C1] = weighted * (1.0 - scope2)
        if a.td_loss_rate is not None:
            coefficients["td"] = np.zeros_like(coefficients["factor"])
            coefficients["td"][:, C3] = weighted * scope2
        if a.electricity_wtt_g_per_kwh is not None:
            coefficients["wtt"] = np.zeros_like(coefficients["factor"])
            coefficients["wtt"][:, C3] = energy * scope2 / 1000.0
        return coefficients

    def _nominal_effects(self, coefficients: dict[str, np.ndarray], multiplier: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Return each row's effect on every output at the values (all parts) and through the factor alone."""
        a = self.a
        factor = coefficients["factor"] + (a.td_loss_rate * coefficients["td"] if "td" in coefficients else 0.0)
        total = coefficients["energy"] + factor
        if "wtt" in coefficients:
            total = total + a.electricity_wtt_g_per_kwh * (1.0 + (a.td_loss_rate or 0.0)) * coefficients["wtt"]
        return total * multiplier[:, None], factor * multiplier[:, None]

    # -- inputs of the energy rows -------------------------------------------------------------------------

    def _row_inputs(self) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Return per row: the inputs it is multiplied by, its scale (runs) and its multiplier at the values."""
        rows, a, b = self.rows, self.a, self.b
        count = len(rows["kind"])
        pue = b.input(assumption_input("pue", a, resolve.assumption(self.lookup, "pue", a)), PHASE_CHAIN)
        uplift = b.input(assumption_input("node_uplift", a, resolve.assumption(self.lookup, "node_uplift", a)),
                         PHASE_CHAIN)
        self.declared_inputs, scale_coef = self._declared()
        run, level = rows["run"], rows["level"]
        is_run = rows["kind"] == KIND_RUN
        inputs = {name: np.full(count, -1, dtype=np.int64) for name in ("meter", "pue", "uplift", "loss")}
        for kind, level_name in ((KIND_FACILITY_METER, "facility"), (KIND_IT_METER, "it")):
            chosen = rows["kind"] == kind
            inputs["meter"][chosen] = self._meter_inputs(level_name)[rows["site"][chosen]]
        uses_pue = (rows["kind"] == KIND_IT_METER) | (is_run & (level <= 2))
        inputs["pue"][uses_pue] = pue
        inputs["uplift"][is_run & (level == 0)] = uplift
        with_loss = is_run & (level <= 1)
        inputs["loss"][with_loss] = self._loss_inputs(run[with_loss])
        safe_run = np.maximum(run, 0)
        scale = np.where(is_run, np.append(scale_coef, 1.0)[run], 1.0)
        multiplier = np.where(is_run, self.scale[safe_run] if len(self.scale) else 1.0, 1.0)
        multiplier = multiplier * np.where(is_run & (level == 0), a.node_uplift, 1.0)
        multiplier = multiplier * np.where(with_loss, self.f_dist[safe_run] if len(self.f_dist) else 1.0, 1.0)
        multiplier = multiplier * np.where(uses_pue, a.pue, 1.0)
        return inputs, scale, multiplier

    def _meter_inputs(self, level: str) -> np.ndarray:
        infos = {(info.site, info.level): info for info in self.detail.meters}
        result = np.full(len(self.layout.sites), -1, dtype=np.int64)
        for index, site in enumerate(self.layout.sites):
            info = infos.get((site.site, level)) or MeterInfo(site.site, level, (f"{site.site} {level} meter",), None)
            resolved = resolve.meter(self.lookup, info.names[0], level, info.accuracy_class)
            result[index] = self.b.input(UncertainInput(
                "meter:" + "+".join(info.names), f"{level} meter {', '.join(info.names)}", "meter",
                resolved.distribution, 1.0, "multiplier", resolved.basis, resolved.origin), PHASE_ACTIVITY)
        return result

    def _declared(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        count = len(self.footprint.inputs)
        dependence = declared_dependence(self.footprint)
        inputs, coef = {}, self.scale.copy()
        for key, exponent in DECLARED_KEYS:
            column = np.full(count, -1, dtype=np.int64)
            if dependence[key].any():
                column[dependence[key]] = self.b.input(
                    assumption_input(key, self.a, resolve.assumption(self.lookup, key, self.a)), PHASE_DECLARED)
                coef[dependence[key]] /= getattr(self.a, key) ** exponent
            inputs[key] = column
        return inputs, coef

    def _loss_inputs(self, run: np.ndarray) -> np.ndarray:
        column = np.full(len(run), -1, dtype=np.int64)
        for code, key in LOSS_KEYS.items():
            chosen = self.categories[run] == code
            if chosen.any():
                item = assumption_input(key, self.a, resolve.assumption(self.lookup, key, self.a))
                column[chosen] = self.b.input(UncertainInput(item.name, item.label, key, item.distribution,
                                                             item.nominal, item.unit, item.basis, item.origin,
                                                             offset=1.0), PHASE_CHAIN)
        return column

    # -- steps ----------------------------------------------------------------------------------------------

    def add_electricity(self) -> None:
        rows = self.rows
        inputs, scale, multiplier = self._row_inputs()
        coefficients = self._coefficients(rows["energy"] * scale, rows["weighted"] * scale)
        nominal = self._coefficients(rows["energy"], rows["weighted"])
        effect, factor_effect = self._nominal_effects(nominal, multiplier)
        self.electricity_nominal = effect
        tele = self._run_members(effect)
        ef = self._factor_members(factor_effect)
        per_row = [(inputs[name], 1.0) for name in ("meter", "pue", "uplift", "loss")] + [(tele, 1.0)]
        # Index -1 (meter rows, which belong to no run) picks the appended -1: no input.
        per_row += [(np.append(self.declared_inputs[key], -1)[rows["run"]], exponent) for key, exponent in DECLARED_KEYS]
        factor_row = (np.where(rows["group"] >= 0, ef[np.maximum(rows["group"], 0)], -1), 1.0)
        self.b.add(coefficients["energy"], per_row=per_row)
        self.b.add(coefficients["factor"], per_row=per_row + [factor_row])
        td = self._optional_input("td_loss_rate")
        wtt = self._optional_input("electricity_wtt_g_per_kwh")
        if "td" in coefficients:
            self.b.add(coefficients["td"], fixed={td: 1.0}, per_row=per_row + [factor_row])
        if "wtt" in coefficients:
            self.b.add(coefficients["wtt"], fixed={wtt: 1.0}, per_row=per_row)
            if td >= 0:
                self.b.add(coefficients["wtt"], fixed={wtt: 1.0, td: 1.0}, per_row=per_row)
        self._add_device_offsets(effect)

    def _optional_input(self, key: str) -> int:
        if getattr(self.a, key) is None:
            return -1
        return self.b.input(assumption_input(key, self.a, resolve.assumption(self.lookup, key, self.a)),
                            PHASE_FACTORS)

    def _run_members(self, effect: np.ndarray) -> np.ndarray:
        """Telemetry and declared-energy errors of the runs behind runs-only hours; per row input or -1."""
        rows = self.rows
        count = len(self.footprint.inputs)
        hours = np.bincount(self.layout.run_index, minlength=count).astype(float)
        classes = telemetry_classes(self.footprint, hours, self.detail)
        declared = np.array(["declared.energy" if run.declared is not None else "" for run in self.footprint.inputs],
                            dtype=object)
        result = np.full(len(rows["run"]), -1, dtype=np.int64)
        is_run = rows["run"] >= 0
        for code, class_keys in ((0, classes[0]), (1, classes[1]), (2, declared)):
            if code == 0:
                chosen = is_run & (rows["level"] == 0)
            elif code == 1:
                chosen = is_run & (rows["level"] > 0)
            else:
                chosen = is_run
            vectors = segment_sum(rows["run"][chosen], effect[chosen], count)
            for class_key in sorted(set(class_keys) - {""}):
                members = np.flatnonzero((class_keys == class_key) & np.any(vectors != 0, axis=1))
                if not len(members):
                    continue
                names = [self.footprint.inputs[r].name for r in members]
                resolved = resolve.members(self.lookup, class_key, names)
                inputs = np.full(count, -1, dtype=np.int64)
                inputs[members] = pool_members(self.b, class_key, members, vectors[members], resolved, names,
                                               PHASE_ACTIVITY, main_component(vectors[members], MAIN_ORDER))
                target = chosen & (np.append(class_keys, "")[rows["run"]] == class_key)
                result[target] = inputs[rows["run"][target]]
        return result

    def _factor_members(self, effect: np.ndarray) -> np.ndarray:
        count = len(self.group_names)
        result = np.full(max(count, 1), -1, dtype=np.int64)
        group = self.rows["group"]
        matched = group >= 0
        vectors = segment_sum(group[matched], effect[matched], count)
        classes = np.array([item[0] for item in self.group_names], dtype=object)
        for class_key in CLASSES:
            members = np.flatnonzero((classes == class_key) & np.any(vectors != 0, axis=1)) if count else []
            if not len(members):
                continue
            resolved = resolve.members(self.lookup, class_key, [self.group_names[m][1] for m in members])
            names = [self.group_names[m][2].split(":", 1)[1] for m in members]
            result[members] = pool_members(self.b, class_key, members, vectors[members], resolved, names,
                                           PHASE_FACTORS, main_component(vectors[members], MAIN_ORDER))
        return result

    def _add_device_offsets(self, effect: np.ndarray) -> None:
        """GPU sensor offsets change the runs' energy in runs-only hours; one draw per GPU, or one for all."""
        d, rows = self.detail, self.rows
        resolved = resolve.activity(self.lookup, "telemetry.gpu_offset_w")
        if resolved.distribution.is_fixed or not len(d.device_run):
            return
        count = len(self.footprint.inputs)
        board = (rows["run"] >= 0) & (rows["level"] == 0)
        per_run = segment_sum(rows["run"][board], effect[board], count)
        in_period = np.bincount(self.layout.run_index, weights=self.layout.run_energy["gpu_board"], minlength=count)
        totals = np.array([float(run.energy_kwh["gpu_board"].sum()) for run in self.footprint.inputs])
        with np.errstate(invalid="ignore", divide="ignore"):
            per_kwh = np.where(in_period[:, None] > 0, per_run / (in_period[:, None] * self.scale[:, None]), 0.0) \
                if count else per_run
            share = np.where(totals > 0, in_period / totals, 0.0)
        effect = (d.device_hours * share[d.device_run] / 1000.0)[:, None] * per_kwh[d.device_run]
        if (resolved.distribution.correlation or "device") == "all":
            index = self.b.input(UncertainInput("telemetry.gpu_offset_w", "GPU board power offset, one for all GPUs",
                                                "telemetry.gpu_offset_w", resolved.distribution, 0.0, "W",
                                                resolved.basis, resolved.origin), PHASE_ACTIVITY)
            self.b.add(effect.sum(axis=0)[None, :], fixed={index: 1.0})
            return
        devices, inverse = np.unique(d.device_id, return_inverse=True)
        vectors = segment_sum(inverse.reshape(-1), effect, len(devices))
        var = np.full(len(devices), resolved.distribution.sd() ** 2)
        self.b.family("telemetry.gpu_offset_w", f"GPU board power offset ({len(devices)} independent GPUs)",
                      "telemetry.gpu_offset_w", vectors, np.full(len(devices), resolved.distribution.mean()), var,
                      resolved)

    def add_market(self) -> None:
        """Market-based Scope 2 around the engine's figure: constant + marginal rate x consumption + rate errors."""
        market = self.result.market
        constant = market.co2e_kg - float(self.electricity_nominal[:, S2M].sum())
        used = [use for use in market.used if use.type == "supplier" and use.co2e_kg > 0]
        if used:
            vectors = np.zeros((len(used), len(OUTPUTS)))
            vectors[:, S2M] = [use.co2e_kg for use in used]
            names = [use.instrument_id for use in used]
            resolved = resolve.members(self.lookup, "ef.supplier", names)
            inputs = pool_members(self.b, "ef.supplier", names, vectors, resolved, names, PHASE_FACTORS, vectors[:, S2M])
            self.b.add(vectors, per_row=[(inputs, 1.0)])
            constant -= float(vectors[:, S2M].sum())
        constant -= self._residual_terms()
        self.b.constant({"scope2_market_co2e_kg": constant})

    def _residual_terms(self) -> float:
        """Add residual-mix factor errors per residual factor; return the nominal kg they carry."""
        carried = 0.0
        hourly = self._hourly_energy()
        by_name = {market.market: market for market in self.result.market.markets}
        vectors, names, zones = [], [], []
        for name, rows in self.layout.market_rows.items():
            market = by_name.get(name)
            table = self.prepared.residual_tables.get(name)
            if market is None or table is None or market.residual_mix_co2e_kg <= 0:
                continue
            matched = match_hours(table, self.layout.hours[rows])
            found = matched.factor_id >= 0
            weights = hourly[rows][found] * matched.g_per_kwh[found]
            ids, inverse = np.unique(matched.factor_id[found], return_inverse=True)
            shares = np.bincount(inverse.reshape(-1), weights=weights) / max(weights.sum(), 1e-300)
            for factor_id, share in zip(ids.tolist(), shares):
                vector = np.zeros(len(OUTPUTS))
                vector[S2M] = market.residual_mix_co2e_kg * share
                vectors.append(vector)
                names.append(f"{name}:factor {factor_id}")
                zones.append(name)
        if vectors:
            matrix = np.array(vectors)
            resolved = [resolve.activity(self.lookup, "ef.residual_mix", zone) for zone in zones]
            inputs = pool_members(self.b, "ef.residual_mix", names, matrix, resolved, names, PHASE_FACTORS,
                                  matrix[:, S2M])
            self.b.add(matrix, per_row=[(inputs, 1.0)])
            carried = float(matrix[:, S2M].sum())
        return carried

    def add_scope1(self) -> None:
        lines = self.result.scope1.lines
        constant = 0.0
        members: dict[str, list] = {"scope1.stated_factor": [], "scope1.refrigerant_release": []}
        for line in lines:
            if line.kind == "refrigerant":
                members["scope1.refrigerant_release"].append(line)
            elif "CO2e" in line.gas_kg:
                members["scope1.stated_factor"].append(line)
            else:
                key = f"{line.substance}_co2_kg_per_gj"
                index = self.b.input(assumption_input(key, self.a, resolve.assumption(self.lookup, key, self.a)),
                                     PHASE_SCOPE1)
                coefficient = np.zeros((1, len(OUTPUTS)))
                coefficient[0, S1] = line.fuel_gj
                self.b.add(coefficient, fixed={index: 1.0})
                constant += line.co2e_kg - line.gas_kg["CO2"]
        for class_key, items in members.items():
            if not items:
                continue
            vectors = np.zeros((len(items), len(OUTPUTS)))
            vectors[:, S1] = [line.co2e_kg for line in items]
            names = [str(line.activity_id) for line in items]
            resolved = resolve.members(self.lookup, class_key, names)
            inputs = pool_members(self.b, class_key, names, vectors, resolved, names, PHASE_SCOPE1, vectors[:, S1])
            self.b.add(vectors, per_row=[(inputs, 1.0)])
        self.b.constant({"scope1_co2e_kg": constant})

    def _hourly_energy(self) -> np.ndarray:
        """Electricity per layout hour at the values (kWh), as the inventory engine takes it."""
        layout, a = self.layout, self.a
        e, run = layout.run_energy, layout.run_index
        scale, f_dist = np.append(self.scale, 1.0)[run], np.append(self.f_dist, 1.0)[run]
        node = (e["gpu_board"] * a.node_uplift + e["node"]) * scale
        facility = (node * f_dist + e["it"] * scale) * a.pue + e["facility"] * scale
        runs = np.bincount(layout.run_position, weights=facility, minlength=len(layout.hours))
        return np.where(layout.source == SOURCE_FACILITY_METER, np.nan_to_num(layout.facility_kwh),
                        np.where(layout.source == SOURCE_IT_METER, np.nan_to_num(layout.it_kwh) * a.pue, runs))

    def add_capital_goods(self) -> None:
        goods = self.layout.capital_goods
        if not goods:
            return
        assets = list(self.footprint.assets)
        correlation = resolve.activity(self.lookup, "embodied.pcf").distribution.correlation or "item"
        group_of_asset = dict(zip((asset.asset_id for asset in assets), asset_groups(assets, correlation)))
        names: dict[str, int] = {}
        for good in goods:
            names.setdefault(group_of_asset.get(good.asset_id, f"asset {good.asset_id} {good.item}"), len(names))
        vectors = np.zeros((len(names), len(OUTPUTS)))
        for good in goods:
            group = names[group_of_asset.get(good.asset_id, f"asset {good.asset_id} {good.item}")]
            vectors[group, C2 if good.category == 2 else C1] += good.co2e_kg
        labels = list(names)
        resolved = resolve.members(self.lookup, "embodied.pcf", [label.split(" [", 1)[0] for label in labels])
        inputs = pool_members(self.b, "embodied.pcf", labels, vectors, resolved, labels, PHASE_EMBODIED,
                              vectors[:, C1] + vectors[:, C2])
        self.b.add(vectors, per_row=[(inputs, 1.0)])


