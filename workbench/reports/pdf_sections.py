"""The sections of the PDF report, as platypus flowables built from the disclosure model.

Order: cover, contents, executive summary, inventory, footprint of runs, energy and regulatory
tables, uncertainty, comparison of assumption sets, data quality, avoided emissions (only in a
report with the reduction plan), methodology and disclosures, required-disclosures checklist,
sources and evidence, sign-off. Headings in the ``heading`` and
``subheading`` styles feed the table of contents.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import KeepTogether, PageBreak, Spacer, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from workbench.reports import regulatory
from workbench.reports.charts import bar_chart, energy_chart, stacked_runs_chart
from workbench.reports.disclosure import (AVOIDED, DRAFT_NOTICE, FOOTPRINT_VIEW_TEXT, INVENTORY_VIEW_TEXT, MISSING,
                                          Disclosure)
from workbench.reports.manifest import MANIFEST_FILE_NAME
from workbench.reports.methodology import statements
from workbench.reports.pdf_avoided import avoided_section
from workbench.reports.pdf_style import FONT, format_number, heading, number_cell, p, styles, subheading, table
from workbench.reports.pdf_uncertainty import comparison_section, quality_section, uncertainty_section

KG = "kgCO₂e"
T = "tCO₂e"


def story(disclosure: Disclosure, width: float) -> list:
    """Return every flowable of the report in order."""
    flow: list = []
    for builder in (_cover, _contents, _summary, _inventory, _footprint, _regulatory, uncertainty_section,
                    comparison_section, quality_section, avoided_section, _methodology, _checklist, _evidence,
                    _signoff):
        flow += builder(disclosure, width)
    return flow


# -- cover and contents ------------------------------------------------------------------------------

def _cover(disclosure: Disclosure, width: float) -> list:
    header = disclosure.header
    info = header.info
    flow = [Spacer(1, 30), p("Carbon disclosure of AI training", "title"), p(header.project_name, "cover")]
    flow.append(p(DRAFT_NOTICE if disclosure.draft else "FINAL REPORT", "draft" if disclosure.draft else "status"))
    facts = [("Reporting entity", header.field("reporting_entity")),
             ("Consolidation approach", str(header.field("consolidation_approach")).replace("_", " ")),
             ("Reporting period (inventory)", f"{header.period_label}: {header.period_start_utc} to "
                                              f"{header.period_end_utc} (UTC)"),
             ("Assumption set", f"{header.assumption_set} (SHA-256 {disclosure.evidence.assumption_set_sha256})"),
             ("Exported at", f"{header.exported_at} (UTC)"),
             ("Software", f"carbon-workbench {header.software_version}"),
             ("Prepared by / approved by", f"{info.get('preparer') or '(not stated)'} / "
                                           f"{info.get('approver') or '(not stated)'}")]
    flow += [Spacer(1, 8), table(["Item", "Value"], [[label, value] for label, value in facts], [130, width - 130])]
    totals = disclosure.inventory["totals"]
    headline = [["Inventory total, location-based Scope 2", number_cell(totals["total_location_based_co2e_kg"]), KG],
                ["Inventory total, market-based Scope 2", number_cell(totals["total_market_based_co2e_kg"]), KG],
                ["Footprint of all runs (SCI view, not additive)",
                 number_cell(disclosure.footprint["totals"]["total_co2e_kg"]), KG]]
    flow += [Spacer(1, 12), p("Headline figures", "label"),
             table(["Figure", "Value", "Unit"], headline, [260, 120, width - 380])]
    flow += [Spacer(1, 12), p(f"This PDF carries the workbook of the same figures and the export manifest "
                              f"({MANIFEST_FILE_NAME}) as attached files. Check the signature, the manifest and, "
                              "given the project file, every figure with: carbon-workbench verify REPORT.pdf "
                              "--project PROJECT.cwb.", "small")]
    return flow + [PageBreak()]


def _contents(disclosure: Disclosure, width: float) -> list:
    toc = TableOfContents()
    toc.levelStyles = [styles()["toc0"], styles()["toc1"]]
    # The default table style leaves Helvetica as the cell font, which the PDF would list unembedded.
    toc.tableStyle = TableStyle(list(toc.tableStyle.getCommands()) + [("FONTNAME", (0, 0), (-1, -1), FONT)])
    return [p("Contents", "cover"), toc, PageBreak()]


# -- executive summary -------------------------------------------------------------------------------

def _summary(disclosure: Disclosure, width: float) -> list:
    t = disclosure.inventory["totals"]
    s3 = disclosure.inventory["scope3"]
    flow = heading("Executive summary")
    flow.append(p(f"Two views are reported and never added. Inventory: {INVENTORY_VIEW_TEXT}. Footprint: "
                  f"{FOOTPRINT_VIEW_TEXT}."))
    rows = [["Scope 1", t["scope1_co2e_kg"]], ["Scope 2, location-based", t["scope2_location_co2e_kg"]],
            ["Scope 2, market-based", t["scope2_market_co2e_kg"]],
            ["Scope 3 category 1 (cloud compute, expensed hardware)", s3["category_1"]["co2e_kg"]],
            ["Scope 3 category 2 (capital goods)", s3["category_2"]["co2e_kg"]],
            ["Scope 3 category 3 (fuel and energy upstream, T&D losses)", s3["category_3"]["co2e_kg"]],
            ["Total with location-based Scope 2", t["total_location_based_co2e_kg"]],
            ["Total with market-based Scope 2", t["total_market_based_co2e_kg"]],
            ["Offsets and credits (separate, never deducted)", t["offsets_co2e_kg"]]]
    flow += subheading(f"Inventory {disclosure.header.period_label}")
    flow.append(table(["Figure", KG, T], [[label, number_cell(value), number_cell(value / 1000.0)]
                                          for label, value in rows], [280, 100, width - 380]))
    flow.append(Spacer(1, 6))
    labels = ["Scope 1", "Scope 2, location-based", "Scope 2, market-based", "Scope 3 category 1",
              "Scope 3 category 2", "Scope 3 category 3"]
    flow.append(bar_chart(labels, [row[1] for row in rows[:6]], width=width, height=150, unit=KG, font_name=FONT))
    flow += subheading("Footprint of the runs")
    f = disclosure.footprint["totals"]
    flow.append(table(["Figure", "Value", "Unit"], [
        ["Facility energy", number_cell(f["facility_energy_kwh"]), "kWh"],
        ["Operational emissions, location-based", number_cell(f["operational_co2e_kg"]), KG],
        ["Embodied emissions, amortized", number_cell(f["embodied_co2e_kg"]), KG],
        ["Total", number_cell(f["total_co2e_kg"]), KG]], [280, 100, width - 380]))
    if disclosure.avoided is not None:
        flow.append(p(f"Avoided emissions of {len(disclosure.avoided.levers)} reduction lever(s) are reported "
                      f"separately in the section {AVOIDED} and are not part of any figure above.", "small"))
    flow += _status(disclosure)
    return flow


def _status(disclosure: Disclosure) -> list:
    open_items = disclosure.open_items
    flow = subheading("Status of the required disclosures")
    if not open_items:
        flow.append(p(f"All {len(disclosure.checklist)} required disclosures are present or do not apply "
                      "(see the checklist)."))
    else:
        flow.append(p(f"{len(open_items)} required disclosure(s) missing; this report is a draft.", "warning"))
        flow += [p(f"• {item.id}. {item.text}: {item.detail}", "small") for item in open_items]
    changed = [line for line in disclosure.signoffs if not line.current]
    if changed:
        flow.append(p("Changed since approval: " + "; ".join(f"{line.stage} {line.name} ({line.signed_at[:10]})"
                                                              for line in changed), "warning"))
    return flow


# -- inventory ---------------------------------------------------------------------------------------

def _inventory(disclosure: Disclosure, width: float) -> list:
    inventory = disclosure.inventory
    flow = [PageBreak()] + heading(f"Inventory {disclosure.header.period_label}")
    flow += subheading("Scope 1 by source and gas")
    scope1 = inventory["scope1"]
    rows = [[line["activity_id"], f"{line['kind']}: {line['substance']}", f"{format_number(line['amount'])} "
             f"{line['unit']}", ", ".join(f"{gas} {format_number(kg)} kg" for gas, kg in line["gas_kg"].items()),
             number_cell(line["co2e_kg"])] for line in scope1["records"]]
    rows.append(["Total", f"GWP set {scope1['gwp_set']}", "", "", number_cell(scope1["co2e_kg"])])
    flow.append(table(["Record", "Source", "Amount", "Gases", KG], rows, [90, 90, 60, width - 320, 80],
                      bold_last=True))
    flow += _scope2(disclosure, width)
    flow += subheading("Scope 3 by category")
    s3 = inventory["scope3"]
    c3 = s3["category_3"]
    rows = [["1 Purchased goods and services", "cloud compute and expensed hardware", number_cell(s3["category_1"][
                 "co2e_kg"])],
            ["2 Capital goods", f"{s3['category_2']['assets']} asset line(s) acquired in the period, in full",
             number_cell(s3["category_2"]["co2e_kg"])],
            ["3a Upstream of fuels", "well-to-tank factors", number_cell(c3["upstream_fuels_co2e_kg"])],
            ["3b Upstream of purchased electricity", "well-to-tank factor", number_cell(c3["upstream_electricity_co2e_kg"])],
            ["3c Transmission and distribution losses", "loss rate x (location-based + upstream)",
             number_cell(c3["td_losses_co2e_kg"])]]
    flow.append(table(["Category", "Basis", KG], rows, [170, width - 260, 90]))
    flow.append(p(f"Categories not reported: {disclosure.header.field('scope3_exclusions')}", "small"))
    offsets = inventory["offsets_reported_separately"]
    if offsets:
        flow += subheading("Offsets and carbon credits (never deducted)")
        flow.append(table(["Instrument", "Label", "Market", KG], [[item["instrument_id"], item["label"], item["market"],
                                                                   number_cell(item["credit_co2e_kg"])]
                                                                  for item in offsets], [110, width - 280, 70, 100]))
    return flow


def _scope2(disclosure: Disclosure, width: float) -> list:
    scope2 = disclosure.inventory["scope2"]
    flow = subheading("Scope 2 per site (location-based) and per market (market-based)")
    rows = [[site["site"], site["boundary"].replace("_", " "), site["zone"] or "–", number_cell(site["energy_kwh"]),
             number_cell(site["co2e_kg"])] for site in scope2["sites"]]
    flow.append(table(["Site", "Boundary", "Zone", "Electricity (kWh)", f"Location-based ({KG})"], rows,
                      [90, 110, 50, (width - 250) / 2, (width - 250) / 2]))
    flow.append(Spacer(1, 4))
    rows = [[market["market"], number_cell(market["consumption_mwh"]),
             ", ".join(f"{kind} {format_number(value)}" for kind, value in market["covered_mwh"].items() if value),
             number_cell(market["residual_mix_mwh"]), number_cell(market["location_fallback_mwh"]),
             number_cell(market["co2e_kg"])] for market in scope2["markets"]]
    flow.append(table(["Market", "Consumption (MWh)", "Covered by instruments (MWh)", "Residual mix (MWh)",
                       "Fallback (MWh)", f"Market-based ({KG})"], rows, [50, 70, width - 340, 70, 60, 90]))
    flow += subheading("Contractual instruments and quality criteria")
    register = {item["instrument_id"]: item for item in disclosure.instruments}
    rows = []
    for use in scope2["instruments_used"]:
        stored = register.get(use["instrument_id"], {})
        evidence = stored.get("retirement_evidence_sha256") or "no evidence hash"
        rows.append([use["instrument_id"], f"{use['type']}, {stored.get('technology') or '–'}",
                     f"{stored.get('vintage_start', '')} to {stored.get('vintage_end', '')}",
                     stored.get("tracking_registry") or "–", number_cell(use["covered_mwh"]),
                     f"not assessed: {', '.join(map(str, use['unassessed_criteria'])) or 'none'}; {evidence}"])
    for item in scope2["instruments_excluded"]:
        rows.append([item["instrument_id"], f"{item['type']} (EXCLUDED)", "", "", number_cell(item["mwh"]),
                     f"fails criteria {', '.join(map(str, item['failed_criteria']))}: {'; '.join(item['reasons'])}"])
    flow.append(table(["Instrument", "Type", "Vintage", "Registry", "MWh", "Quality criteria and retirement"], rows,
                      [80, 70, 80, 60, 45, width - 335]))
    unavailable = scope2["residual_mix_unavailable"]
    flow.append(p("Residual mix: " + (f"not available for {', '.join(unavailable)}; the location-based factor is "
                                      "used there" if unavailable else "available for every market with "
                                                                       "unclaimed electricity"), "small"))
    return flow


# -- footprint ---------------------------------------------------------------------------------------

def _footprint(disclosure: Disclosure, width: float) -> list:
    runs = disclosure.footprint["runs"]
    info = {item["run"]: item for item in disclosure.runs_info}
    flow = [PageBreak()] + heading("Footprint of the runs")
    flow.append(p(FOOTPRINT_VIEW_TEXT + ". Boundary: " + str(disclosure.header.field("run_boundary"))))
    rows = [[run["run"], run["kind"], number_cell(run["facility_energy_kwh"]), number_cell(run["operational_co2e_kg"]),
             number_cell(run["embodied_co2e_kg"]), number_cell(run["total_co2e_kg"]),
             number_cell(run.get("sci_co2e_kg_per_1e9_tokens"))] for run in runs]
    totals = disclosure.footprint["totals"]
    rows.append(["All runs", "", number_cell(totals["facility_energy_kwh"]), number_cell(totals["operational_co2e_kg"]),
                 number_cell(totals["embodied_co2e_kg"]), number_cell(totals["total_co2e_kg"]), ""])
    flow.append(table(["Run", "Kind", "Facility energy (kWh)", f"Operational ({KG})", f"Embodied ({KG})",
                       f"Total ({KG})", f"SCI per 10⁹ tokens ({KG})"], rows, [110, 62] + [(width - 172) / 5] * 5,
                      bold_last=True))
    flow += subheading("Run details")
    rows = [[item["run"], item["energy_method"], item["hardware"] or "–", format_number(item["wall_clock_hours"]),
             format_number(item["accelerator_hours"]), _scientific(item["flop"]), run.get("zone") or "–"]
            for run in runs for item in [info.get(run["run"], {})] if item]
    flow.append(table(["Run", "Energy method", "Hardware", "Wall-clock (h)", "GPU-hours", "Compute (FLOP)", "Zone"],
                      rows, [95, 85, width - 404, 58, 58, 62, 46]))
    flow.append(Spacer(1, 6))
    flow.append(KeepTogether([p("Emissions per run", "label"),
                              stacked_runs_chart(runs, width=width, height=200, font_name=FONT)]))
    flow.append(KeepTogether([p("Facility energy over time", "label"),
                              energy_chart(disclosure.hourly, width=width, height=200, font_name=FONT)]))
    models = disclosure.footprint["models"]
    if models:
        flow += subheading("Per model")
        rows = [[name, str(model["runs"]), number_cell(model["totals"]["facility_energy_kwh"]),
                 number_cell(model["totals"]["total_co2e_kg"]), number_cell(model["sci_co2e_kg_per_1e9_tokens"])]
                for name, model in models.items()]
        flow.append(table(["Model", "Runs", "Facility energy (kWh)", f"Total ({KG})",
                           f"SCI per 10⁹ tokens of final runs ({KG})"], rows, [110, 40] + [(width - 150) / 3] * 3))
    return flow


def _scientific(value: Any) -> str:
    return "–" if value is None else f"{float(value):.3e}"


# -- regulatory tables -------------------------------------------------------------------------------

def _regulatory(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Energy and regulatory disclosures")
    flow += subheading("ESRS E1-5: energy consumption and mix (own operations)")
    flow.append(_rows_table(regulatory.esrs_e1_5(disclosure), width))
    flow += subheading("ESRS E1-6: gross Scope 1, 2 and 3 and total GHG emissions")
    flow.append(_rows_table(regulatory.esrs_e1_6(disclosure), width))
    flow.append(p("Data-point labels paraphrase ESRS E1; check them against the adopted text before filing.", "small"))
    flow += subheading("EU AI Act Annex XI: training energy per model")
    for record in regulatory.ai_act_records(disclosure):
        rows = [["Energy used for training", f"{format_number(record['training_energy_mwh'])} MWh "
                                             f"({record['training_energy_boundary']})"],
                ["Method", f"{record['energy_method']}: {record['energy_method_detail']}"],
                ["Training compute", f"{_scientific(record['training_compute_flop'])} FLOP"],
                ["Training time (wall-clock)", f"{format_number(record['training_time_hours'])} h"],
                ["GPU-hours and hardware", f"{format_number(record['gpu_hours'])}; {', '.join(record['hardware'])}"],
                ["All development runs", f"{format_number(record['development_energy_mwh'])} MWh"],
                ["Uncertainty of the energy", "not computed" if record["energy_u95_pct"] is None else
                 f"±{record['energy_u95_pct']:.1f} % (95 %), {record['energy_uncertainty_method']}"]]
        flow.append(KeepTogether([p(f"Model {record['model']}", "label"),
                                  table(["Field", "Value"], rows, [140, width - 140])]))
        flow.append(Spacer(1, 4))
    return flow


def _rows_table(rows: list[regulatory.Row], width: float) -> Any:
    body = []
    for row in rows:
        value = row.value
        if isinstance(value, float) and row.unit == "fraction":
            shown = f"{value:.1%}"
        elif isinstance(value, (int, float)):
            shown = format_number(value)
        else:
            shown = "not stated" if value is None else str(value)
        body.append([row.label, shown, row.unit, row.basis])
    return table(["Data point", "Value", "Unit", "Basis"], body, [200, 70, 50, width - 320])


# -- methodology, checklist ------------------------------------------------------------------------

def _methodology(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Methodology and disclosures")
    flow.append(table(["Topic", "Statement"], [[topic, text] for topic, text in statements(disclosure)],
                      [120, width - 120]))
    flow += subheading("Assumptions")
    rows = []
    for item in disclosure.assumptions:
        value = "(not set)" if item["value"] in (None, "") else item["value"]
        basis = item["rationale"] if item["origin"] == "default" else f"set in '{item['origin']}': {item['rationale']}"
        rows.append([item["label"], f"{value:g}" if isinstance(value, float) else str(value), item["unit"], basis])
    flow.append(table(["Assumption", "Value", "Unit", "Basis"], rows, [120, 62, 75, width - 257]))
    flow += subheading("Emission factor datasets")
    flow.append(table(["Dataset", "Basis", "Zones", "Resolution", "Count", "Range (gCO₂e/kWh)", "Source"],
                      _factor_datasets(disclosure), [80, 62, 50, 62, 36, 70, width - 360]))
    return flow


def _factor_datasets(disclosure: Disclosure) -> list[list]:
    groups: dict[tuple, list[dict]] = {}
    for factor in disclosure.factors:
        groups.setdefault((factor["dataset"], factor["basis"]), []).append(factor)
    rows = []
    for (dataset, basis), factors in groups.items():
        values = [factor["co2e_g_per_kwh"] for factor in factors]
        sources = sorted({factor["source_text"] for factor in factors})
        rows.append([dataset, basis, ", ".join(sorted({factor["zone"] for factor in factors})),
                     ", ".join(sorted({factor["resolution"] for factor in factors})), str(len(factors)),
                     f"{min(values):g} to {max(values):g}", "; ".join(sources[:3])])
    return rows


def _checklist(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Required disclosures")
    rows = [[str(item.id), item.text, item.status.upper() if item.status == MISSING else item.status,
             item.detail, ", ".join(item.shown_in)] for item in disclosure.checklist]
    flow.append(table(["#", "Required disclosure", "Status", "What is shown or missing", "Shown in"], rows,
                      [22, 150, 50, width - 302, 80]))
    return flow


# -- evidence and sign-off ---------------------------------------------------------------------------

def _evidence(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Sources and evidence")
    rows = [[str(source["id"]), source["file"], source["kind"],
             f"{source['rows_accepted']:,} / {source['rows_rejected']:,}", p(source["sha256"], "hash")]
            for source in disclosure.sources]
    flow.append(table(["ID", "File", "Kind", "Rows accepted / rejected", "SHA-256"], rows,
                      [22, 130, 68, 60, width - 280]))
    evidence = disclosure.evidence
    facts = [("Project state", evidence.project_state_sha256), ("Assumption set", evidence.assumption_set_sha256),
             ("Input files (bundle)", evidence.input_bundle_sha256), ("Calculation engine", evidence.engine_sha256),
             ("Audit log head", f"{evidence.audit_log_head} (entry {evidence.audit_log_entries})"),
             ("Rejected input rows", f"{disclosure.rejected_total:,}")]
    attachments = disclosure.manifest.get("attachments") or []
    facts += [(f"Attached file {item['name']}", item["sha256"]) for item in attachments]
    flow += subheading("Hashes (SHA-256)")
    flow.append(table(["Item", "Value"], [[label, p(value, "hash")] for label, value in facts], [130, width - 130]))
    return flow


def _signoff(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Sign-off")
    info = disclosure.header.info
    flow.append(p(f"Designated preparer: {info.get('preparer') or '(not stated)'}; reviewer: "
                  f"{info.get('reviewer') or '(not stated)'}; approver: {info.get('approver') or '(not stated)'}."))
    rows = []
    for line in disclosure.signoffs:
        signature = "none" if not line.signed else f"{line.signer}: {'valid' if line.signature_ok else 'INVALID'}"
        rows.append([line.stage, line.name + (f" ({line.role})" if line.role else ""), line.signed_at,
                     p(line.state_sha256, "hash"), "current" if line.current else line.status.upper(), signature])
    if not rows:
        rows.append(["–", "no sign-off recorded", "", "", "", ""])
    flow.append(table(["Stage", "Name", "Signed at (UTC)", "Approved state (SHA-256)", "Status", "Signature"], rows,
                      [50, 95, 110, width - 395, 70, 70]))
    flow.append(Spacer(1, 8))
    flow.append(p(f"Reported project state: {disclosure.evidence.project_state_sha256}. A sign-off whose state "
                  "differs approved an earlier state of the project and is marked changed since approval.", "small"))
    flow.append(p(f"Verification statement: {info.get('assurance') or 'none'}.", "small"))
    flow.append(p("Digital signature: " + ("this PDF is signed (PAdES baseline B-B); the signature covers the "
                                           "report, the attached workbook and the manifest." if disclosure.signed
                                           else "this PDF is not signed."), "small"))
    return flow

