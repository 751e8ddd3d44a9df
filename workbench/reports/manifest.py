"""The manifest every export carries: what was computed, from which inputs and project state.

The manifest is a plain dict serialized as canonical JSON (sorted keys, no spaces, UTF-8). The
PDF attaches it as ``manifest.json``, the workbook stores it on a hidden sheet and the JSON
formats embed it, so the signature over the file covers it. :func:`check_manifest` tests that a
manifest read back from a file is complete and consistent with itself; comparing it with a
project is the verification service's job.

Version 2 adds the inventory's figures, the input-bundle and engine hashes, the report header,
the sign-offs, the checklist and the uncertainty summary. Version 3 records the Monte Carlo
uncertainty analysis (seed, each view's run and every figure's interval) and the comparison of
assumption sets. Version 1 and 2 manifests are still read. A version 3 manifest of a report with
the reduction plan also has ``avoided_emissions``: the plan's assumption set, seed, trials,
periods and every lever with its parameters, set hashes and figures. A workbench that predates
the entry ignores it, so it reads such a manifest but does not repeat the plan.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.project.audit import canonical_json

MANIFEST_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
MANIFEST_FILE_NAME = "manifest.json"
SOFTWARE_NAME = "carbon-workbench"
RELATIVE_TOLERANCE = 1e-9
# Below this magnitude two figures count as equal; kgCO2e and kWh values this small are rounding noise.
ABSOLUTE_TOLERANCE = 1e-12

REQUIRED_KEYS = ("manifest_version", "software", "format", "project_name", "project_state_sha256",
                 "assumption_set", "assumption_set_sha256", "assumptions", "inputs", "audit_log_head",
                 "audit_log_entries", "figures", "exported_at", "draft")
REQUIRED_KEYS_V2 = ("inventory", "input_bundle_sha256", "engine_sha256", "report_info", "signoffs", "checklist",
                    "uncertainty")
REQUIRED_KEYS_V3 = ("comparison",)
# Inventory totals that must equal the sum of their parts: total -> parts.
INVENTORY_SUMS = {
    "scope3_co2e_kg": ("scope3_category_1_co2e_kg", "scope3_category_2_co2e_kg", "scope3_category_3_co2e_kg"),
    "total_location_based_co2e_kg": ("scope1_co2e_kg", "scope2_location_co2e_kg", "scope3_co2e_kg"),
    "total_market_based_co2e_kg": ("scope1_co2e_kg", "scope2_market_co2e_kg", "scope3_co2e_kg"),
    "scope1_co2e_kg": ("scope1_combustion_co2e_kg", "scope1_fugitive_co2e_kg"),
}
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def build_manifest(*, software_version: str, report_format: str, project_name: str,
                   project_state_sha256: str, assumption_set: str, assumption_set_sha256: str,
                   assumptions: dict[str, dict[str, Any]], inputs: list[dict[str, Any]],
                   audit_log_head: str, audit_log_entries: int, figures: dict[str, Any],
                   exported_at: str, draft: bool, **version2: Any) -> dict[str, Any]:
    """Assemble a manifest.

    ``assumptions`` maps each key to its resolved value with unit, origin and rationale;
    ``inputs`` lists every source with id, file, kind and sha256; ``figures`` holds the
    footprint's ``view``, ``runs``, ``totals`` and ``warnings`` as the compute service returns them.
    ``version2`` gives the entries of :data:`REQUIRED_KEYS_V2` (``inventory`` holds the view,
    period and totals of the inventory).
    """
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "software": {"name": SOFTWARE_NAME, "version": software_version},
        "format": report_format,
        "project_name": project_name,
        "project_state_sha256": project_state_sha256,
        "assumption_set": assumption_set,
        "assumption_set_sha256": assumption_set_sha256,
        "assumptions": assumptions,
        "inputs": inputs,
        "audit_log_head": audit_log_head,
        "audit_log_entries": audit_log_entries,
        "figures": figures,
        "exported_at": exported_at,
        "draft": draft,
        **version2,
    }
    # A round trip through JSON turns tuples into lists, so the dict returned equals the one read back.
    return json.loads(manifest_json(manifest))


def manifest_json(manifest: dict[str, Any]) -> str:
    """Serialize a manifest canonically."""
    return canonical_json(manifest)


def parse_manifest(text: str | bytes) -> dict[str, Any]:
    """Parse manifest JSON; raise ValueError if it is not a JSON object."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("the manifest is not a JSON object")
    return value


def assumption_values_sha256(set_name: str, values: dict[str, Any]) -> str:
    """SHA-256 of an assumption set's effective values.

    Must equal ``workbench.services.assumptions.set_hash`` for the same set; a test checks it,
    because the verifier recomputes the hash from the values the manifest lists.
    """
    return hashlib.sha256(canonical_json({"set": set_name, "values": values}).encode()).hexdigest()


def figures_close(a: Any, b: Any) -> bool:
    """Compare two figures with the manifest's relative tolerance; None equals only None."""
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def check_manifest(manifest: dict[str, Any], expected_format: str) -> list[str]:
    """Return the problems that make ``manifest`` incomplete or inconsistent (empty if none)."""
    version = manifest.get("manifest_version")
    required = REQUIRED_KEYS + (REQUIRED_KEYS_V2 if version in (2, 3) else ()) + (REQUIRED_KEYS_V3 if version == 3
                                                                                else ())
    missing = [key for key in required if key not in manifest]
    if missing:
        return [f"the manifest lacks the entries {', '.join(missing)}"]
    if version not in READABLE_VERSIONS:
        return [f"the manifest has version {version!r}, but this workbench reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}"]

    problems = []
    if manifest["format"] != expected_format:
        problems.append(f"the manifest was written for a {manifest['format']} export, not a {expected_format} file")
    problems.extend(_check_hashes(manifest))
    problems.extend(_check_assumptions(manifest))
    problems.extend(_check_figures(manifest.get("figures")))
    if version in (2, 3):
        problems.extend(_check_inventory(manifest["inventory"]))
    if version == 3:
        problems.extend(_check_uncertainty(manifest["uncertainty"]))
    if "avoided_emissions" in manifest:
        problems.extend(_check_avoided(manifest["avoided_emissions"]))
    return problems


def _check_avoided(avoided: Any) -> list[str]:
    """Check that the plan entry has its seed, trials and levers, each with an ordered 95 % interval."""
    if not isinstance(avoided, dict) or not isinstance(avoided.get("levers"), list) \
            or not isinstance(avoided.get("seed"), int) or not isinstance(avoided.get("trials"), int):
        return ["the manifest's avoided emissions lack their seed, trials or levers"]
    problems = []
    for lever in avoided["levers"]:
        low, high = lever.get("low_co2e_kg"), lever.get("high_co2e_kg")
        if low is None or high is None or not float(low) <= float(high):
            problems.append(f"the manifest's 95 % interval of the avoided emissions of lever "
                            f"'{lever.get('set_name')}' runs from {low} to {high}")
    return problems


def _check_uncertainty(uncertainty: Any) -> list[str]:
    """Check that every interval of the manifest's uncertainty entry is ordered and has the recorded seed."""
    if not isinstance(uncertainty, dict) or not isinstance(uncertainty.get("figures"), list):
        return ["the manifest's uncertainty lacks its figures"]
    problems = []
    for figure in uncertainty["figures"]:
        low, high = figure.get("low"), figure.get("high")
        if low is not None and high is not None and not float(low) <= float(high):
            problems.append(f"the manifest's 95 % interval of {figure.get('key')} runs from {low} down to {high}")
    for run in uncertainty.get("simulations") or []:
        if run.get("seed") != uncertainty.get("seed"):
            problems.append(f"the manifest's {run.get('view')} Monte Carlo run has seed {run.get('seed')}, "
                            f"not the recorded seed {uncertainty.get('seed')}")
    return problems


def _check_inventory(inventory: Any) -> list[str]:
    totals = inventory.get("totals") if isinstance(inventory, dict) else None
    if not isinstance(totals, dict):
        return ["the manifest's inventory lacks its totals"]
    problems = []
    for total, parts in INVENTORY_SUMS.items():
        try:
            summed = math.fsum(float(totals[part]) for part in parts)
            recorded = float(totals[total])
        except (KeyError, TypeError, ValueError):
            problems.append(f"the manifest's inventory lacks {total} or one of its parts")
            continue
        if not figures_close(summed, recorded):
            problems.append(f"the manifest's inventory {total} is {recorded}, but its parts add up to {summed}")
    return problems


def _check_hashes(manifest: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("project_state_sha256", "assumption_set_sha256", "audit_log_head"):
        if not _SHA256_HEX.match(str(manifest[key])):
            problems.append(f"the manifest's {key} is not a SHA-256 hex digest: {manifest[key]!r}")
    inputs = manifest["inputs"]
    if not isinstance(inputs, list):
        return problems + ["the manifest's inputs are not a list"]
    for number, item in enumerate(inputs, 1):
        if not isinstance(item, dict) or not _SHA256_HEX.match(str(item.get("sha256", ""))):
            problems.append(f"input {number} of the manifest has no valid SHA-256")
    return problems


def _check_assumptions(manifest: dict[str, Any]) -> list[str]:
    assumptions = manifest["assumptions"]
    if not isinstance(assumptions, dict) or not all(isinstance(v, dict) and "value" in v
                                                    for v in assumptions.values()):
        return ["the manifest's assumptions are not a map of key to value"]
    values = {key: item["value"] for key, item in assumptions.items()}
    recomputed = assumption_values_sha256(manifest["assumption_set"], values)
    if recomputed != manifest["assumption_set_sha256"]:
        return [f"the assumption values in the manifest hash to {recomputed[:12]}..., not to the recorded "
                f"assumption_set_sha256 {str(manifest['assumption_set_sha256'])[:12]}..."]
    return []


def _check_figures(figures: Any) -> list[str]:
    if not isinstance(figures, dict) or not isinstance(figures.get("runs"), list) \
            or not isinstance(figures.get("totals"), dict):
        return ["the manifest's figures lack runs or totals"]
    problems = []
    runs = figures["runs"]
    if not all(isinstance(run, dict) for run in runs):
        return ["the manifest's runs are not a list of records"]
    for key in NUMERIC_KEYS:
        try:
            summed = math.fsum(float(run[key]) for run in runs)
            total = figures["totals"][key]
        except (KeyError, TypeError, ValueError):
            problems.append(f"the manifest's figures lack {key} for a run or the totals")
            continue
        if not figures_close(summed, total):
            problems.append(f"the manifest's total {key} is {total}, but its runs add up to {summed}")
    if problems:
        return problems
    for run in runs:
        operational, embodied, total = (float(run[key]) for key in
                                        ("operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg"))
        if not figures_close(operational + embodied, total):
            problems.append(f"run '{run.get('run')}' in the manifest: operational plus embodied emissions "
                            f"({operational} + {embodied}) differ from its total {total}")
    return problems
