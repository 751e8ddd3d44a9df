"""The methodology statements a report prints: views, standards, formulas, boundaries and methods.

Both the workbook's Methodology sheet and the PDF's methodology section lay out the list that
:func:`statements` returns, so they state the same methods.
"""

from __future__ import annotations

from workbench.engine.scope2 import QUALITY_CRITERIA
from workbench.reports.disclosure import FOOTPRINT_VIEW_TEXT, INVENTORY_VIEW_TEXT, Disclosure

PDF_FORMAT_NOTE = ("The PDF carries the workbook and the manifest as attached files (associated files of the "
                   "document), so its signature covers them too. It is written with PDF/A-3 markers (XMP "
                   "identification, sRGB output intent, embedded fonts) but has not been checked with a PDF/A "
                   "validator, so conformance to PDF/A-3b is not claimed.")


def statements(disclosure: Disclosure) -> list[tuple[str, str]]:
    """Return (topic, statement) pairs describing how every figure of ``disclosure`` was obtained."""
    a = disclosure.footprint["assumptions"]
    info = disclosure.header.info
    result = [
        ("Two views", f"Inventory: {INVENTORY_VIEW_TEXT}. Footprint: {FOOTPRINT_VIEW_TEXT}. The footprint of all runs "
                      "does not reconcile to the inventory (different boundary, allocation and embodied treatment), "
                      "and the two are never added."),
        ("Standards", "GHG Protocol Corporate Standard (revised edition 2004); GHG Protocol Scope 2 Guidance (2015); "
                      "GHG Protocol Corporate Value Chain (Scope 3) Standard; ISO 14064-1:2018 categories map to "
                      "the scopes; Software Carbon Intensity, ISO/IEC 21031:2024, for run footprints."),
        ("Operational boundary", str(info.get("operational_boundary") or "(not stated)")),
        ("Exclusions", str(info.get("exclusions") or "(not stated)")),
        ("Boundary of the run footprints", str(info.get("run_boundary") or "(not stated)")),
        ("Energy chain", "Per run and UTC hour: node = GPU board energy x node uplift + metered node energy; IT = node "
                         "x f_dist + metered IT energy, where f_dist moves node energy to the point the PUE measures "
                         "IT energy at; facility = IT x PUE + metered facility-level energy. PUE is never applied to "
                         f"energy that already includes facility overhead. PUE {a['pue']} (source: "
                         f"{a['pue_source']}), node uplift {a['node_uplift']}, PUE category override "
                         f"'{a['pue_category'] or 'none: each site’s category'}'."),
        ("Operational emissions", "Facility energy of each UTC hour x the location-based factor of the run's grid "
                                  "zone matched to that hour, the finest available (hourly, then daily, monthly, "
                                  "annual). Market-based instruments never lower a footprint (SCI)."),
        ("Scope 1", f"Fuel: energy (GJ, net calorific value) x IPCC default CO2, CH4 and N2O factors; refrigerants: "
                    f"top-up mass as the release x GWP. GWP set {a['gwp_set']} (100-year)."),
        ("Scope 2", "Location-based: electricity per site and hour (facility meter, else IT meter x PUE, else the "
                    "runs' facility energy) x the hour's grid factor. Market-based: per market, certificates, then "
                    "direct contracts, then supplier rates cover consumption inside their vintage, the rest takes "
                    "the residual mix, or the location-based factor where no residual mix exists (disclosed)."),
        ("Scope 2 quality criteria", "; ".join(f"{number}. {text}" for number, text in QUALITY_CRITERIA.items())),
        ("Scope 3", "Category 1: cloud compute (the provider's electricity) and expensed hardware; category 2: "
                    "capital goods acquired in the period, in full, not depreciated; category 3: upstream of fuels "
                    "(3a) and of purchased electricity (3b), and transmission and distribution losses (3c)."),
        ("Embodied emissions (footprint)", _embodied(a)),
        ("Declared runs", "Runs without telemetry use the energy their declaration gives (stated energy, measured "
                          "average power x accelerator-hours, TDP x utilization, or FLOPs / (peak x MFU)); they "
                          "count as estimated."),
        ("Uncertainty", f"{disclosure.uncertainty.method} ({disclosure.uncertainty.describe_runs()}). Parameter "
                        "uncertainty only; methodological choices are shown as the comparison of assumption sets."),
        ("Comparison of assumption sets", disclosure.comparison.method),
        ("Units and times", "Energy in kWh (MWh in regulatory tables), emissions in kgCO2e (tCO2e in regulatory "
                            "tables); every time in UTC."),
        ("Signatures", "The PDF is signed with PAdES baseline B-B, the workbook and JSON files with a detached "
                       "CAdES signature (FILE.p7s). B-B carries the signing time the signer claims; there is no "
                       "trusted time stamp. " + PDF_FORMAT_NOTE),
    ]
    if disclosure.avoided is not None:
        result.append(("Avoided emissions", f"Each reduction lever is a what-if assumption set. "
                                            f"{disclosure.avoided.method}. Footprint levers are measured on the "
                                            "footprint total, clean procurement on the market-based inventory total. "
                                            "Avoided emissions are shown apart and never deducted from any total."))
    result += [("Engine disclosure (footprint)", note) for note in disclosure.footprint["disclosures"]]
    result += [("Engine disclosure (inventory)", note) for note in disclosure.inventory["disclosures"]]
    return result


def _embodied(a: dict) -> str:
    method = a["embodied_method"]
    if method == "llmcarbon":
        return (f"llmcarbon (chip-only lower bound): accelerator-hours x die area {a['chip_area_mm2']} mm2 x "
                f"{a['chip_embodied_kg_per_cm2']} kgCO2e/cm2 / ({a['chip_lifetime_years']} years x 8760 h).")
    lifetime = f"{a['lifetime_years']} years for every asset" if a["lifetime_years"] else "each asset's own lifetime"
    share = (f"resource share {a['resource_share']}" if a["resource_share"] is not None
             else "resource share = the run's GPUs over the site's GPUs")
    if method == "bloom":
        return (f"bloom: embodied x overlap / (lifetime x 8760 h x usage rate {a['usage_rate']} unless the asset "
                f"states one) x reserved fraction x resource share; {lifetime}; {share}.")
    return (f"sci (ISO/IEC 21031:2024): embodied x overlap of the run with the asset's service life / (lifetime x "
            f"8760 h) x reserved fraction x resource share; {lifetime}; {share}.")
