"""The Summary, Cover and sign-off, Engine check and regulatory sheets of the workbook.

Every total on the Summary sheet is a formula over the activity sheets and carries a defined
name (``inventory_scope1_co2e_kg``, ``footprint_total_co2e_kg`` ...), which the Cover, the ESRS
sheets and the Engine check refer to. The Engine check sets each formula's result beside the
value the engine computed, so a recalculation in Excel or LibreOffice shows any difference.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.reports import disclosure as d
from workbench.reports import regulatory
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure
from workbench.reports.xlsx_activity import name
from workbench.reports.xlsx_cells import Column
from workbench.reports.xlsx_layout import (ASSET_COLUMNS, MARKET_COLUMNS, RUN_COLUMNS, SCOPE1_COLUMNS, SITE_COLUMNS,
                                           Layout)

FIRST = c.FIRST_DATA_ROW
SUMMARY_COLUMNS = (Column("Figure", "label", 52), Column("Value", "value", 22), Column("Unit", "unit", 10),
                   Column("How it is computed", "how", 90))
CHECK_COLUMNS = (Column("View", "view", 11), Column("Subject", "subject", 26), Column("Figure", "figure", 30),
                 Column("Workbook (formula)", "workbook", 20), Column("Engine", "engine", 20),
                 Column("Difference", "difference", 14), Column("Relative difference", "relative", 12))
# Engine totals of the inventory and the defined names of the Summary cells that recompute them.
INVENTORY_CHECKS = (
    ("scope1_co2e_kg", "inventory_scope1_co2e_kg"), ("scope1_combustion_co2e_kg", "inventory_scope1_combustion_co2e_kg"),
    ("scope1_fugitive_co2e_kg", "inventory_scope1_fugitive_co2e_kg"),
    ("scope2_energy_kwh", "inventory_scope2_energy_kwh"),
    ("scope2_location_co2e_kg", "inventory_scope2_location_co2e_kg"),
    ("scope2_market_co2e_kg", "inventory_scope2_market_co2e_kg"),
    ("scope2_unmatched_energy_kwh", "inventory_scope2_unmatched_energy_kwh"),
    ("scope3_category_1_co2e_kg", "inventory_scope3_category_1_co2e_kg"),
    ("scope3_category_2_co2e_kg", "inventory_scope3_category_2_co2e_kg"),
    ("scope3_category_3_co2e_kg", "inventory_scope3_category_3_co2e_kg"),
    ("scope3_co2e_kg", "inventory_scope3_co2e_kg"),
    ("total_location_based_co2e_kg", "inventory_total_location_based_co2e_kg"),
    ("total_market_based_co2e_kg", "inventory_total_market_based_co2e_kg"),
)


def _range(sheet: str, columns: tuple, key: str, first: int, last: int) -> str:
    column = c.letter(columns, key)
    return f"{c.sheet_ref(sheet)}${column}${first}:${column}${last}"


class _Writer:
    """Appends Summary rows, naming each figure's cell so later formulas and sheets can use the name."""

    def __init__(self, workbook: Workbook, sheet: Any) -> None:
        self.workbook, self.sheet, self.row = workbook, sheet, FIRST

    def figure(self, key: str | None, label: str, expression: str, number_format: str, unit: str, how: str,
               *, bold: bool = False) -> None:
        s = self.sheet
        s.append([c.text(s, label, c.BOLD if bold else None), c.formula(s, expression, number_format, bold=bold),
                  c.text(s, unit), c.text(s, how)])
        if key:
            c.define_name(self.workbook, key, d.SUMMARY, f"B{self.row}")
        self.row += 1

    def title(self, text: str, note: str = "") -> None:
        self.sheet.append([])
        self.sheet.append([c.text(self.sheet, text, c.SECTION_FONT), None, None, c.text(self.sheet, note)])
        self.row += 2

    def line(self, label: str, value: Any, unit: str = "", how: str = "") -> None:
        s = self.sheet
        cell = c.number(s, value, c.NUMBER) if c.is_number(value) else c.text(s, value)
        s.append([c.text(s, label), cell, c.text(s, unit), c.text(s, how)])
        self.row += 1


def write_summary(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sheet = c.new_sheet(workbook, d.SUMMARY, SUMMARY_COLUMNS, draft=disclosure.draft,
                        project_name=disclosure.header.project_name)
    c.banner(sheet, disclosure.draft, f"Summary: {disclosure.title}")
    c.header_row(sheet, SUMMARY_COLUMNS)
    writer = _Writer(workbook, sheet)
    writer.line("Assumption set", disclosure.header.assumption_set)
    writer.line("Status", "DRAFT" if disclosure.draft else "final")
    _inventory_rows(writer, disclosure, layout)
    _footprint_rows(writer, disclosure, layout)


def _inventory_rows(w: _Writer, disclosure: Disclosure, layout: Layout) -> None:
    header = disclosure.header
    w.title(f"Inventory, {header.period_label} ({header.period_start_utc} to {header.period_end_utc})",
            d.INVENTORY_VIEW_TEXT)
    s1 = lambda key: _range(d.SCOPE1, SCOPE1_COLUMNS, key, FIRST, layout.scope1_last)  # noqa: E731
    site = lambda key: _range(d.SITE_ENERGY, SITE_COLUMNS, key, FIRST, layout.site_last)  # noqa: E731
    assets = lambda key: _range(d.ASSETS, ASSET_COLUMNS, key, FIRST, layout.register_last)  # noqa: E731
    markets = _range(d.MARKETS, MARKET_COLUMNS, "market_kg", FIRST, layout.markets_last)
    kg, kwh = c.KG, c.KWH
    rows = (
        ("inventory_scope1_co2e_kg", "Scope 1", f"=SUM({s1('co2e')})", kg, "sum of the Scope 1 sheet", True),
        ("inventory_scope1_combustion_co2e_kg", "  of which stationary combustion",
         f'=SUMPRODUCT(({s1("kind")}="fuel")*{s1("co2e")})', kg, "fuel records", False),
        ("inventory_scope1_fugitive_co2e_kg", "  of which fugitive (refrigerants)",
         f'=SUMPRODUCT(({s1("kind")}="refrigerant")*{s1("co2e")})', kg, "refrigerant records", False),
        ("inventory_scope2_location_co2e_kg", "Scope 2, location-based", f"=SUMIFS({site('location_kg')},"
         f"{site('in_scope2')},1)", kg, "Site energy: electricity x hourly-matched grid factor, Scope 2 sites", True),
        ("inventory_scope2_market_co2e_kg", "Scope 2, market-based", f"=SUM({markets})", kg,
         "Markets and instruments: instruments, residual mix and fallback per market", True),
        ("inventory_scope2_energy_kwh", "Scope 2 electricity", f"=SUMIFS({site('electricity')},{site('in_scope2')},1)",
         kwh, "Site energy, Scope 2 sites", False),
        ("inventory_scope2_unmatched_energy_kwh", "Scope 2 electricity without a location-based factor",
         f"=SUMIFS({site('unmatched')},{site('in_scope2')},1)", kwh, "Site energy", False),
        ("inventory_cloud_co2e_kg", "  cloud compute (Scope 3 category 1)",
         f"=SUMIFS({site('location_kg')},{site('in_scope2')},0)", kg, "Site energy, cloud sites", False),
        ("inventory_expensed_hardware_co2e_kg", "  expensed hardware (Scope 3 category 1)",
         f"=SUMIFS({assets('embodied_total')},{assets('inventory_category')},1)", kg, "Asset register", False),
        ("inventory_scope3_category_1_co2e_kg", "Scope 3 category 1: purchased goods and services",
         "=inventory_cloud_co2e_kg+inventory_expensed_hardware_co2e_kg", kg, "cloud compute plus expensed hardware",
         True),
        ("inventory_scope3_category_2_co2e_kg", "Scope 3 category 2: capital goods",
         f"=SUMIFS({assets('embodied_total')},{assets('inventory_category')},2)", kg,
         "assets acquired in the period, in full, not depreciated", True),
        ("inventory_scope3_3a_co2e_kg", "  3a upstream of fuels", f"=SUM({s1('upstream')})", kg,
         "Scope 1 sheet, well-to-tank factors", False),
        ("inventory_scope3_3b_co2e_kg", "  3b upstream of purchased electricity",
         f"=IF(ISNUMBER({name('electricity_wtt_g_per_kwh')}),inventory_scope2_energy_kwh*"
         f"{name('electricity_wtt_g_per_kwh')}/1000,0)", kg, "Scope 2 electricity x upstream factor", False),
        ("inventory_scope3_3c_co2e_kg", "  3c transmission and distribution losses",
         f"=IF(ISNUMBER({name('td_loss_rate')}),{name('td_loss_rate')}*(inventory_scope2_location_co2e_kg+"
         "inventory_scope3_3b_co2e_kg),0)", kg, "loss rate x (location-based Scope 2 + 3b)", False),
        ("inventory_scope3_category_3_co2e_kg", "Scope 3 category 3: fuel- and energy-related activities",
         "=inventory_scope3_3a_co2e_kg+inventory_scope3_3b_co2e_kg+inventory_scope3_3c_co2e_kg", kg, "3a + 3b + 3c",
         True),
        ("inventory_scope3_co2e_kg", "Scope 3", "=inventory_scope3_category_1_co2e_kg+"
         "inventory_scope3_category_2_co2e_kg+inventory_scope3_category_3_co2e_kg", kg, "categories 1 + 2 + 3", True),
        ("inventory_total_location_based_co2e_kg", "Total, with location-based Scope 2",
         "=inventory_scope1_co2e_kg+inventory_scope2_location_co2e_kg+inventory_scope3_co2e_kg", kg,
         "gross: offsets are never deducted", True),
        ("inventory_total_market_based_co2e_kg", "Total, with market-based Scope 2",
         "=inventory_scope1_co2e_kg+inventory_scope2_market_co2e_kg+inventory_scope3_co2e_kg", kg,
         "gross: offsets are never deducted", True),
    )
    for key, label, expression, number_format, how, bold in rows:
        w.figure(key, label, expression, number_format, "kWh" if number_format == kwh else "kgCO2e", how, bold=bold)
    offsets = disclosure.inventory["totals"]["offsets_co2e_kg"]
    w.line("Offsets and carbon credits (reported separately, not deducted)", offsets, "kgCO2e",
           "Markets and instruments sheet")
    if disclosure.avoided is not None:
        w.line("Avoided emissions of reduction levers (reported separately, not deducted)",
               f"{len(disclosure.avoided.levers)} lever(s)", "", f"{d.AVOIDED} sheet; no total includes them")


def _footprint_rows(w: _Writer, disclosure: Disclosure, layout: Layout) -> None:
    w.title("Footprint of the runs (whole run windows)", d.FOOTPRINT_VIEW_TEXT)
    labels = {"gpu_energy_kwh": "GPU energy", "node_energy_kwh": "Node energy", "it_energy_kwh": "IT energy",
              "facility_energy_kwh": "Facility energy", "operational_co2e_kg": "Operational emissions (location-based)",
              "embodied_co2e_kg": "Embodied emissions (amortized)", "total_co2e_kg": "Total emissions",
              "unmatched_energy_kwh": "Energy without an emission factor"}
    runs = lambda key: _range(d.RUNS, RUN_COLUMNS, key, FIRST, layout.runs_last)  # noqa: E731
    for key in NUMERIC_KEYS:
        energy = key.endswith("_kwh")
        w.figure(f"footprint_{key}", labels[key], f"=SUM({runs(key)})", c.KWH if energy else c.KG,
                 "kWh" if energy else "kgCO2e", f"sum of the Runs sheet", bold=key == "total_co2e_kg")
    models = disclosure.footprint["models"]
    if models:
        w.title("Footprint per model (all of its runs; SCI per 10^9 tokens of its final runs)")
    for model in models:
        w.sheet.append([c.text(w.sheet, model, c.BOLD)])
        w.row += 1
        model_cell = f"A{w.row - 1}"
        match = f"({runs('model')}={model_cell})"
        w.figure(None, "  total emissions", f"=SUMPRODUCT({match}*{runs('total_co2e_kg')})", c.KG, "kgCO2e",
                 "Runs sheet, runs of this model")
        w.figure(None, "  facility energy", f"=SUMPRODUCT({match}*{runs('facility_energy_kwh')})", c.KWH, "kWh",
                 "Runs sheet, runs of this model")
        tokens = f'SUMPRODUCT({match}*({runs("kind")}="final")*{runs("tokens")})'
        w.figure(None, "  SCI per 10^9 tokens of its final runs",
                 f'=IF({tokens}>0,SUMPRODUCT({match}*{runs("total_co2e_kg")})/({tokens}/1E9),"")', c.KG, "kgCO2e",
                 "all runs' emissions over the final runs' tokens")
    kinds = disclosure.footprint["by_kind"]
    if kinds:
        w.title("Footprint per run kind")
    for kind in kinds:
        w.figure(None, f"{kind} runs: total emissions", f'=SUMPRODUCT(({runs("kind")}="{kind}")*'
                 f'{runs("total_co2e_kg")})', c.KG, "kgCO2e", "Runs sheet")


# -- Engine check ------------------------------------------------------------------------------------

def write_engine_check(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sheet = c.new_sheet(workbook, d.ENGINE_CHECK, CHECK_COLUMNS, draft=disclosure.draft,
                        project_name=disclosure.header.project_name)
    c.banner(sheet, disclosure.draft, "Each workbook formula beside the value the engine computed; after a "
                                      "recalculation the difference is rounding only")
    c.header_row(sheet, CHECK_COLUMNS)
    row = FIRST
    totals = disclosure.inventory["totals"]
    for key, defined in INVENTORY_CHECKS:
        sheet.append(_check_cells(sheet, "inventory", "totals", key, f"={defined}", totals[key], row))
        row += 1
    for key in NUMERIC_KEYS:
        sheet.append(_check_cells(sheet, "footprint", "all runs", key, f"=footprint_{key}",
                                  disclosure.footprint["totals"][key], row))
        row += 1
    for index, run in enumerate(disclosure.footprint["runs"]):
        for key in NUMERIC_KEYS:
            cell = f"{c.sheet_ref(d.RUNS)}{c.letter(RUN_COLUMNS, key)}{layout.run_row[index]}"
            sheet.append(_check_cells(sheet, "run", run["run"], key, f"={cell}", run[key], row))
            row += 1


def _check_cells(sheet: Any, view: str, subject: str, key: str, expression: str, engine: float, row: int) -> list:
    return [c.text(sheet, view), c.text(sheet, subject), c.text(sheet, key), c.formula(sheet, expression, c.NUMBER),
            c.number(sheet, engine, c.NUMBER), c.formula(sheet, f"=D{row}-E{row}", c.NUMBER),
            c.formula(sheet, f"=IF(E{row}=0,D{row},(D{row}-E{row})/E{row})", c.SCIENTIFIC)]


# Columns of the Runs sheet in workbooks of manifest version 1, which had no Engine check sheet.
VERSION1_RUN_KEYS = ("run", "kind", "site", "zone", "gpu_count", "hours", "gpu_energy_kwh", "node_energy_kwh",
                     "it_energy_kwh", "facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg",
                     "total_co2e_kg", "unmatched_energy_kwh")


def read_engine_figures(workbook: Any) -> list[dict[str, Any]]:
    """Read the per-run engine values of the Engine check sheet back into one dict per run.

    A workbook of manifest version 1 has the engine's values on its Runs sheet instead.
    """
    if d.ENGINE_CHECK not in workbook.sheetnames:
        return _read_version1_runs(workbook)
    runs: dict[str, dict[str, Any]] = {}
    for row in workbook[d.ENGINE_CHECK].iter_rows(min_row=FIRST, max_col=5, values_only=True):
        if not row or row[0] != "run":
            continue
        runs.setdefault(str(row[1]), {"run": str(row[1])})[str(row[2])] = row[4]
    return list(runs.values())


def _read_version1_runs(workbook: Any) -> list[dict[str, Any]]:
    runs = []
    for row in workbook[d.RUNS].iter_rows(min_row=FIRST, max_col=len(VERSION1_RUN_KEYS), values_only=True):
        if row and row[0] is not None:
            runs.append(dict(zip(VERSION1_RUN_KEYS, row)))
    return runs


# -- Cover and sign-off ------------------------------------------------------------------------------

COVER_COLUMNS = (Column("Item", "item", 40), Column("Value", "value", 60), Column("Detail", "detail", 40),
                 Column("", "more", 30), Column("", "more2", 30), Column("", "more3", 30))
HEADLINES = (("Inventory total, location-based Scope 2", "inventory_total_location_based_co2e_kg"),
             ("Inventory total, market-based Scope 2", "inventory_total_market_based_co2e_kg"),
             ("Scope 1", "inventory_scope1_co2e_kg"), ("Scope 2, location-based", "inventory_scope2_location_co2e_kg"),
             ("Scope 2, market-based", "inventory_scope2_market_co2e_kg"), ("Scope 3", "inventory_scope3_co2e_kg"),
             ("Footprint of all runs", "footprint_total_co2e_kg"))
HEADER_FIELDS = (("Reporting entity", "reporting_entity"), ("Consolidation approach", "consolidation_approach"),
                 ("Organisation time zone", "timezone"), ("Operational boundary", "operational_boundary"),
                 ("Exclusions", "exclusions"), ("Boundary of the run footprints", "run_boundary"),
                 ("Scope 3 categories excluded", "scope3_exclusions"), ("Base year", "base_year"),
                 ("Recalculation policy", "recalculation_policy"), ("Restatements", "restatements"),
                 ("Designated preparer", "preparer"), ("Designated reviewer", "reviewer"),
                 ("Designated approver", "approver"), ("Verification statement", "assurance"))


class _Cover:
    """Appends Cover rows, counting them so wrapped rows get a fitting height."""

    def __init__(self, sheet: Any) -> None:
        self.sheet, self.row = sheet, 1
        self.widths = [column.width for column in COVER_COLUMNS]

    def add(self, cells: list) -> None:
        self.row += 1
        c.fit_row(self.sheet, self.row, cells, self.widths)
        self.sheet.append(cells)

    def section(self, title: str) -> None:
        self.add([])
        self.add([c.text(self.sheet, title, c.SECTION_FONT)])


def write_cover(workbook: Workbook, disclosure: Disclosure, signature_note: str) -> None:
    sheet = c.new_sheet(workbook, d.COVER, COVER_COLUMNS, draft=disclosure.draft,
                        project_name=disclosure.header.project_name, freeze=False)
    header = disclosure.header
    c.banner(sheet, disclosure.draft, disclosure.title)
    cover = _Cover(sheet)
    status = "DRAFT: not for disclosure" if disclosure.draft else "FINAL"
    rows = [("Status", status), ("Project", header.project_name), ("Assumption set", header.assumption_set),
            ("Reporting period (inventory, UTC)", f"{header.period_start_utc} to {header.period_end_utc}"),
            ("Exported at (UTC)", header.exported_at), ("Software", f"carbon-workbench {header.software_version}"),
            ("Signature", signature_note)]
    rows += [(label, header.field(key)) for label, key in HEADER_FIELDS]
    cover.add([c.text(sheet, "Report header", c.SECTION_FONT)])
    for label, value in rows:
        if label == "Consolidation approach":
            value = str(value).replace("_", " ")
        cover.add([c.text(sheet, label, c.BOLD, alignment=c.WRAP), c.text(sheet, value, alignment=c.WRAP)])
    cover.section("Headline figures (formulas over the Summary sheet)")
    for label, defined in HEADLINES:
        cover.add([c.text(sheet, label, c.BOLD), c.formula(sheet, f"={defined}", c.KG, bold=True)])
    _cover_evidence(cover, disclosure)
    _cover_signoffs(cover, disclosure)
    _cover_open_items(cover, disclosure)


def _cover_evidence(cover: _Cover, disclosure: Disclosure) -> None:
    evidence, sheet = disclosure.evidence, cover.sheet
    cover.section("Evidence (SHA-256)")
    for label, value in (("Project state", evidence.project_state_sha256),
                         ("Assumption set", evidence.assumption_set_sha256),
                         ("Input files (bundle)", evidence.input_bundle_sha256),
                         ("Calculation engine", evidence.engine_sha256),
                         ("Audit log head", f"{evidence.audit_log_head} (entry {evidence.audit_log_entries})")):
        cover.add([c.text(sheet, label, c.BOLD), c.text(sheet, value)])


def _cover_signoffs(cover: _Cover, disclosure: Disclosure) -> None:
    sheet = cover.sheet
    cover.section("Sign-off")
    cover.add([c.text(sheet, label, c.BOLD, fill=c.HEADER_FILL) for label in
               ("Stage and name", "Signed at (UTC)", "Status", "Approved state (SHA-256)", "Signature", "Role")])
    if not disclosure.signoffs:
        cover.add([c.text(sheet, "no sign-off recorded")])
    for line in disclosure.signoffs:
        signature = "none"
        if line.signed:
            signature = f"{line.signer}: {'valid' if line.signature_ok else 'INVALID'}"
        cover.add([c.text(sheet, f"{line.stage}: {line.name}"), c.text(sheet, line.signed_at),
                   c.text(sheet, line.status.upper() if not line.current else line.status,
                          c.DRAFT_FONT if not line.current else None),
                   c.text(sheet, line.state_sha256), c.text(sheet, signature), c.text(sheet, line.role or "")])


def _cover_open_items(cover: _Cover, disclosure: Disclosure) -> None:
    open_items, sheet = disclosure.open_items, cover.sheet
    if not open_items:
        cover.section("Required disclosures: all present or not applicable (see the Checklist sheet)")
        return
    cover.section(f"Open items: {len(open_items)} required disclosure(s) missing")
    for item in open_items:
        cover.add([c.text(sheet, f"{item.id}. {item.text}", alignment=c.WRAP),
                   c.text(sheet, item.detail, c.DRAFT_FONT if disclosure.draft else None, alignment=c.WRAP)])


# -- ESRS and AI Act ---------------------------------------------------------------------------------

REGULATORY_COLUMNS = (Column("Data point", "label", 60), Column("Value", "value", 18), Column("Unit", "unit", 18),
                      Column("Basis", "basis", 70))
E16_NAMES = {"scope1_t": "inventory_scope1_co2e_kg", "scope2_location_t": "inventory_scope2_location_co2e_kg",
             "scope2_market_t": "inventory_scope2_market_co2e_kg", "scope3_t": "inventory_scope3_co2e_kg",
             "scope3_cat1_t": "inventory_scope3_category_1_co2e_kg",
             "scope3_cat2_t": "inventory_scope3_category_2_co2e_kg",
             "scope3_cat3_t": "inventory_scope3_category_3_co2e_kg",
             "total_location_t": "inventory_total_location_based_co2e_kg",
             "total_market_t": "inventory_total_market_based_co2e_kg"}


def write_esrs(workbook: Workbook, disclosure: Disclosure) -> None:
    for title, rows, description in (
            (d.ESRS_E15, regulatory.esrs_e1_5(disclosure), "ESRS E1-5 energy consumption and mix of own operations"),
            (d.ESRS_E16, regulatory.esrs_e1_6(disclosure), "ESRS E1-6 gross Scope 1, 2 and 3 and total GHG "
                                                            "emissions")):
        sheet = c.new_sheet(workbook, title, REGULATORY_COLUMNS, draft=disclosure.draft,
                            project_name=disclosure.header.project_name)
        c.banner(sheet, disclosure.draft, f"{description}, {disclosure.header.period_label}; data-point labels "
                                          "paraphrased, to check against the adopted ESRS text")
        c.header_row(sheet, REGULATORY_COLUMNS)
        for row in rows:
            number_format = c.PERCENT if row.unit == "fraction" else c.NUMBER
            value = (c.formula(sheet, f"={E16_NAMES[row.key]}/1000", c.TONNES) if row.key in E16_NAMES
                     else c.number(sheet, row.value, number_format) if c.is_number(row.value)
                     else c.text(sheet, "not stated" if row.value is None else row.value))
            sheet.append([c.text(sheet, row.label), value, c.text(sheet, row.unit), c.text(sheet, row.basis)])


AI_ACT_FIELDS = (
    ("training_energy_mwh", "Energy used for training (MWh)", c.MWH),
    ("training_energy_boundary", "Boundary of the training energy", None),
    ("energy_method", "Method: measured or estimated", None), ("energy_method_detail", "Method detail", None),
    ("training_compute_flop", "Training compute (FLOP)", c.SCIENTIFIC),
    ("training_time_hours", "Training time, wall-clock (h)", c.HOURS), ("gpu_hours", "GPU-hours", c.NUMBER),
    ("hardware", "Hardware", None), ("grid_zones", "Grid zones", None),
    ("development_energy_mwh", "Energy of all development runs (MWh)", c.MWH),
    ("development_boundary", "Boundary of the development energy", None),
    ("energy_u95_pct", "Uncertainty of the energy (95 % half-width, %)", c.NUMBER),
    ("energy_uncertainty_method", "Uncertainty method", None),
    ("location_based_co2e_t", "Operational emissions of the final runs, location-based (tCO2e)", c.TONNES),
    ("footprint_co2e_t", "Footprint of the final runs incl. embodied (tCO2e)", c.TONNES),
    ("boundary_statement", "Boundary statement of the report", None),
)


def write_ai_act(workbook: Workbook, disclosure: Disclosure) -> None:
    sheet = c.new_sheet(workbook, d.AI_ACT, REGULATORY_COLUMNS, draft=disclosure.draft,
                        project_name=disclosure.header.project_name)
    c.banner(sheet, disclosure.draft, "EU AI Act Annex XI section 1 point 2(d)-(e) and GPAI model documentation: "
                                      "training energy, compute and time per model (field names to check against the "
                                      "official form)")
    c.header_row(sheet, REGULATORY_COLUMNS)
    for record in regulatory.ai_act_records(disclosure):
        sheet.append([c.text(sheet, f"Model {record['model']}", c.SECTION_FONT)])
        for key, label, number_format in AI_ACT_FIELDS:
            value = record.get(key)
            if isinstance(value, list):
                value = "; ".join(value) or None
            cell = (c.number(sheet, value, number_format) if number_format and c.is_number(value)
                    else c.text(sheet, "not known" if value is None else value))
            sheet.append([c.text(sheet, label), cell])
