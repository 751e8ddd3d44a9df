"""Reading an exported file for verification: its signature, its manifest and the figures it shows.

Each ``inspect_*`` function returns the signature check, the manifest (None when it cannot be
read) and the problems found in the file itself: a manifest inconsistent with itself, figures on
a sheet or in a JSON document that differ from the manifest, or an attachment of a PDF whose
SHA-256 differs from the one the manifest records.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.ingest import archive_guard
from workbench.reports import disclosure_json, pdf, signing, xlsx
from workbench.reports.manifest import check_manifest, figures_close, parse_manifest

log = logging.getLogger(__name__)

Inspection = tuple[signing.SignatureCheck, dict | None, list[str]]
# ESRS E1-6 rows (tCO2e) and the inventory totals (kgCO2e) of the manifest they must equal.
E16_TOTALS = {"scope1_t": "scope1_co2e_kg", "scope2_location_t": "scope2_location_co2e_kg",
              "scope2_market_t": "scope2_market_co2e_kg", "scope3_t": "scope3_co2e_kg",
              "total_location_t": "total_location_based_co2e_kg", "total_market_t": "total_market_based_co2e_kg"}


def inspect_pdf(data: bytes, trusted: list | None) -> Inspection:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # noqa: BLE001 (pyHanko raises many types on damaged input)
        log.info("PDF cannot be parsed", exc_info=True)
        check = signing.SignatureCheck(signed=False, problems=[f"the PDF cannot be parsed: {exc}"])
        return check, None, ["the manifest cannot be read because the PDF cannot be parsed"]
    try:
        check = signing.check_pdf_signatures(reader, trusted)
    except Exception as exc:  # noqa: BLE001 (damaged input)
        log.info("PDF signature check failed", exc_info=True)
        check = signing.SignatureCheck(signed=True, problems=[f"the PDF's signature cannot be checked: {exc}"])
    try:
        attachments = pdf.read_attachments(reader)
        manifest = pdf.read_manifest(reader)
    except Exception as exc:  # noqa: BLE001 (damaged input)
        log.info("PDF manifest cannot be read", exc_info=True)
        return check, None, [f"the attached manifest cannot be read: {exc}"]
    if manifest is None:
        return check, None, ["the PDF has no attached manifest.json"]
    problems = check_manifest(manifest, "pdf")
    if not problems:
        problems = _attachment_problems(manifest, attachments)
    return check, manifest, problems


def _attachment_problems(manifest: dict, attachments: dict[str, bytes]) -> list[str]:
    problems = []
    for item in manifest.get("attachments") or []:
        data = attachments.get(item["name"])
        if data is None:
            problems.append(f"the attached file {item['name']} listed in the manifest is missing")
        elif hashlib.sha256(data).hexdigest() != item["sha256"]:
            problems.append(f"the attached file {item['name']} has SHA-256 {hashlib.sha256(data).hexdigest()}, "
                            f"not {item['sha256']} as the manifest records")
        elif item["name"].endswith(".xlsx"):
            problems += _embedded_workbook_problems(item["name"], data, manifest)
    return problems


def _embedded_workbook_problems(name: str, data: bytes, manifest: dict) -> list[str]:
    """Check that the workbook inside a PDF reports the same state and figures as the PDF."""
    try:
        inner, runs = read_workbook(data, name)
    except Exception as exc:  # noqa: BLE001 (openpyxl and zipfile raise many types on damaged input)
        log.info("embedded workbook cannot be read", exc_info=True)
        return [f"the attached workbook {name} cannot be read: {exc}"]
    problems = [f"the attached workbook {name}: {problem}" for problem in check_manifest(inner, "xlsx")]
    for key in ("project_state_sha256", "assumption_set_sha256", "audit_log_head"):
        if inner.get(key) != manifest.get(key):
            problems.append(f"the attached workbook {name} records {key} {inner.get(key)}, the PDF {manifest.get(key)}")
    return problems + compare_runs(runs, manifest["figures"]["runs"], f"the attached workbook {name}")


def inspect_xlsx(path: Path, data: bytes, trusted: list | None) -> Inspection:
    check = _detached(path, data, trusted, "workbook")
    try:
        manifest, runs = read_workbook(data, path.name)
    except Exception as exc:  # noqa: BLE001 (openpyxl and zipfile raise many types on damaged input)
        log.info("workbook manifest cannot be read", exc_info=True)
        return check, None, [f"the workbook or its Manifest sheet cannot be read: {exc}"]
    problems = check_manifest(manifest, "xlsx")
    if not problems:
        problems = compare_runs(runs, manifest["figures"]["runs"], "the Engine check sheet")
    return check, manifest, problems


def read_workbook(data: bytes, name: str = "workbook.xlsx") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the manifest and the per-run engine figures stored in a workbook's bytes.

    Raises InputRejectedError for an archive that would inflate beyond archive_guard's limits,
    before openpyxl parses any part.
    """
    archive_guard.check_archive(Path(name), data)
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return parse_manifest(xlsx.read_manifest_text(workbook)), xlsx.read_engine_figures(workbook)
    finally:
        workbook.close()


def inspect_json(path: Path, data: bytes, trusted: list | None) -> Inspection:
    check = _detached(path, data, trusted, "JSON file")
    try:
        document = disclosure_json.parse(data)
        manifest = document["manifest"]
        if not isinstance(manifest, dict):
            raise ValueError("its manifest is not a JSON object")
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        log.info("JSON export cannot be read", exc_info=True)
        return check, None, [f"the JSON export cannot be read: {exc}"]
    expected = {value: key for key, value in disclosure_json.DOCUMENTS.items()}[document["document"]]
    problems = check_manifest(manifest, expected)
    if not problems:
        problems = _json_figure_problems(document, manifest)
    return check, manifest, problems


def _json_figure_problems(document: dict, manifest: dict) -> list[str]:
    problems = []
    if "footprint" in document:
        problems += compare_runs(document["footprint"].get("runs", []), manifest["figures"]["runs"],
                                 "the document's footprint")
    if "inventory" in document:
        for key, recorded in manifest["inventory"]["totals"].items():
            shown = document["inventory"].get("totals", {}).get(key)
            if not figures_close(shown, recorded):
                problems.append(f"the document's inventory shows {key} = {shown}, the manifest {recorded}")
    if "uncertainty" in document and isinstance(manifest.get("uncertainty"), dict):
        shown = {figure.get("key"): figure for figure in document["uncertainty"].get("figures") or []}
        for figure in manifest["uncertainty"].get("figures") or []:
            other = shown.get(figure["key"], {})
            if not all(figures_close(other.get(key), figure.get(key)) for key in ("value", "low", "high")):
                problems.append(f"the document's uncertainty of {figure['key']} differs from the manifest's")
    for row in document.get("e1_6", []):
        key = E16_TOTALS.get(row.get("key"))
        if key and not figures_close(row.get("value"), manifest["inventory"]["totals"][key] / 1000.0):
            problems.append(f"ESRS E1-6 shows {row['key']} = {row.get('value')}, but the manifest's {key} is "
                            f"{manifest['inventory']['totals'][key]} kg")
    return problems


def _detached(path: Path, data: bytes, trusted: list | None, what: str) -> signing.SignatureCheck:
    signature_path = signing.signature_path_for(path)
    if not signature_path.is_file():
        return signing.SignatureCheck(signed=False, problems=[
            f"not signed: no signature file {signature_path.name} beside the {what}"])
    try:
        return signing.check_detached_signature(data, signature_path.read_bytes(), trusted)
    except Exception as exc:  # noqa: BLE001 (asn1crypto and pyHanko raise many types on damaged input)
        log.info("detached signature check failed", exc_info=True)
        return signing.SignatureCheck(signed=True, problems=[
            f"the signature file {signature_path.name} cannot be checked: {exc}"])


def compare_runs(shown_runs: list[dict], manifest_runs: list[dict], where: str) -> list[str]:
    """Compare per-run figures shown in a file with the manifest's, run by run and key by key."""
    if len(shown_runs) != len(manifest_runs):
        return [f"{where} lists {len(shown_runs)} runs but the manifest {len(manifest_runs)}"]
    shown = {str(run.get("run")): run for run in shown_runs}
    problems = []
    for recorded in manifest_runs:
        run = shown.get(str(recorded.get("run")))
        if run is None:
            problems.append(f"{where} lacks run '{recorded.get('run')}' of the manifest")
            continue
        for key in NUMERIC_KEYS:
            if not figures_close(run.get(key), recorded.get(key)):
                problems.append(f"{where} shows {key} = {run.get(key)} for run '{recorded.get('run')}', but the "
                                f"manifest records {recorded.get(key)}")
    return problems
