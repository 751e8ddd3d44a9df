"""Commands of ``carbon-workbench`` for disclosures: report header, sign-offs and signing keys.

:func:`add_commands` adds them to the parser of :mod:`workbench.cli`; each handler is a thin call
into ``workbench/services/`` and returns the CLI's exit status.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from workbench.errors import UsageError

EXIT_OK = 0
# Command-line options of ``report-info`` and the header field each one sets.
INFO_OPTIONS = (
    ("entity", "reporting_entity"), ("approach", "consolidation_approach"), ("period", "reporting_period"),
    ("timezone", "timezone"), ("boundary", "operational_boundary"), ("exclusions", "exclusions"),
    ("run_boundary", "run_boundary"), ("scope3_exclusions", "scope3_exclusions"), ("base_year", "base_year"),
    ("recalculation_policy", "recalculation_policy"), ("restatements", "restatements"),
    ("preparer", "preparer"), ("reviewer", "reviewer"), ("approver", "approver"), ("assurance", "assurance"),
    ("net_revenue", "net_revenue"), ("net_revenue_unit", "net_revenue_unit"),
    ("grid_mix_source", "grid_mix_source"),
)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def read_password(path: str | None) -> bytes | None:
    """Return the password in file ``path`` without its line end, as bytes (None for None)."""
    if path is None:
        return None
    try:
        return Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read the password file {path}: {exc.strerror}") from None


def _pairs(items: list[str] | None, option: str, prefix: str) -> dict[str, str]:
    values = {}
    for item in items or ():
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise UsageError(f"{option} '{item}' is not NAME=VALUE")
        values[f"{prefix}.{name.strip()}"] = value.strip()
    return values


# -- report-info -----------------------------------------------------------------------------------

def cmd_report_info(args: argparse.Namespace) -> int:
    from workbench.services import projects, report_info

    values: dict[str, Any] = {field: getattr(args, option) for option, field in INFO_OPTIONS
                              if getattr(args, option) is not None}
    values.update(_pairs(args.grid_mix, "--grid-mix", report_info.GRID_MIX))
    values.update(_pairs(args.run_flop, "--run-flop", report_info.RUN_FLOP))
    values.update(_pairs(args.run_hardware, "--run-hardware", report_info.RUN_HARDWARE))
    values.update(_pairs(args.not_applicable, "--not-applicable", report_info.NOT_APPLICABLE))
    values.update({key: None for key in args.unset or ()})
    with projects.open_existing(args.project, read_only=not values) as project:
        changes = report_info.set_fields(project, values) if values else []
        stored = report_info.read(project).values
    if args.json:
        _print_json({"report_info": stored, "changes": changes})
        return EXIT_OK
    for change in changes:
        print(f"{change['key']}: {change['old']!r} -> {change['new']!r}")
    if not values:
        for field in report_info.FIELDS.values():
            print(f"  {field.label:<34} {stored.get(field.key, '(not set)')}")
        for key in sorted(set(stored) - set(report_info.FIELDS)):
            print(f"  {key:<34} {stored[key]}")
    elif not changes:
        print("No field changed.")
    return EXIT_OK


def _add_report_info(commands: Any) -> None:
    info = commands.add_parser("report-info", help="set or show the report header: reporting entity, "
                                                   "consolidation approach, boundaries, base year, sign-off roles")
    info.add_argument("project", metavar="PROJECT.cwb")
    info.add_argument("--entity", help="reporting entity (legal name)")
    info.add_argument("--approach", help="consolidation approach: equity-share, financial-control or "
                                         "operational-control")
    info.add_argument("--period", help="reporting period of the inventory: a year (2025), a month (2025-03) or "
                                       "START/END; default: the year of the latest data")
    info.add_argument("--timezone", help="IANA time zone the organisation reports in, e.g. Europe/Paris")
    info.add_argument("--boundary", help="operational boundary: facilities, clusters and cloud accounts included")
    info.add_argument("--exclusions", help="exclusions with reason and estimated size, or 'none'")
    info.add_argument("--run-boundary", help="boundary of the run footprints (final run only, or including "
                                             "experiments, failed runs, evaluation, idle capacity ...)")
    info.add_argument("--scope3-exclusions", help="Scope 3 categories not reported, each with its justification")
    info.add_argument("--base-year", help="base year, or why there is none")
    info.add_argument("--recalculation-policy", help="when the base year is recalculated")
    info.add_argument("--restatements", help="restatements of earlier figures with reasons, or 'none'")
    info.add_argument("--preparer", help="person designated to prepare the report")
    info.add_argument("--reviewer", help="person designated to review the report")
    info.add_argument("--approver", help="person designated to approve the report")
    info.add_argument("--assurance", help="verification statement: assurance level, verifier, standard")
    info.add_argument("--net-revenue", help="net revenue of the period (for ESRS intensity per net revenue)")
    info.add_argument("--net-revenue-unit", help="currency and scale of the net revenue, e.g. 'EUR million'")
    info.add_argument("--grid-mix", action="append", metavar="ZONE=F/N/R",
                      help="shares of fossil, nuclear and renewable generation of a grid zone, adding up to 1, "
                           "e.g. FR=0.08/0.68/0.24 (repeatable); used for the ESRS E1-5 energy mix")
    info.add_argument("--grid-mix-source", help="publication the grid mixes come from")
    info.add_argument("--run-flop", action="append", metavar="RUN=FLOP",
                      help="training compute of a run in FLOP, e.g. llm-7b-pretrain=5.5e20 (repeatable)")
    info.add_argument("--run-hardware", action="append", metavar="RUN=TEXT",
                      help="accelerators of a run whose telemetry names none, e.g. 'tracked=8 x NVIDIA A100' "
                           "(repeatable)")
    info.add_argument("--not-applicable", action="append", metavar="ITEM=REASON",
                      help="state why disclosure checklist item ITEM (1 to 24) does not apply (repeatable)")
    info.add_argument("--unset", action="append", metavar="FIELD", help="remove a stored field (repeatable)")
    info.add_argument("--json", action="store_true", help="print the stored fields as JSON")
    info.set_defaults(handler=cmd_report_info)


# -- signoff ---------------------------------------------------------------------------------------

def cmd_signoff(args: argparse.Namespace) -> int:
    from workbench.services import projects, signoffs

    if args.sign and not args.password_file:
        raise UsageError("--sign needs --password-file with the key's password")
    with projects.open_existing(args.project, read_only=args.list) as project:
        if args.list:
            statuses = signoffs.signoff_status(project)
        else:
            if not args.stage or not args.name:
                raise UsageError("give --stage and --name, or --list")
            signoffs.record_signoff(project, args.stage, args.name, role=args.role, set_name=args.set,
                                    statement=args.statement, sign_key=args.sign,
                                    password=read_password(args.password_file))
            statuses = signoffs.signoff_status(project)
    if args.json:
        _print_json([item.as_dict() for item in statuses])
        return EXIT_OK
    for item in statuses if args.list else statuses[-1:]:
        signature = ""
        if item.signed:
            signature = f", signed by {item.signer} ({'valid' if item.signature_ok else 'INVALID'})"
        print(f"{item.id:>3} {item.stage:<9} {item.name} at {item.signed_at}, state {item.state_sha256[:12]}...: "
              f"{item.status}{signature}")
    return EXIT_OK


def _add_signoff(commands: Any) -> None:
    sign = commands.add_parser("signoff", help="record a preparer, reviewer or approver sign-off of the current "
                                               "project state, or list the sign-offs")
    sign.add_argument("project", metavar="PROJECT.cwb")
    sign.add_argument("--stage", choices=("preparer", "reviewer", "approver"))
    sign.add_argument("--name", help="name of the person signing off")
    sign.add_argument("--role", help="their role or title")
    sign.add_argument("--set", default="baseline", help="assumption set the sign-off refers to (default: baseline)")
    sign.add_argument("--statement", help="text of the sign-off statement")
    sign.add_argument("--sign", metavar="KEY.p12", help="also sign the statement with this PKCS#12 key")
    sign.add_argument("--password-file", metavar="FILE", help="file whose first line is the key's password")
    sign.add_argument("--list", action="store_true", help="list every sign-off with its status")
    sign.add_argument("--json", action="store_true", help="print the sign-offs as JSON")
    sign.set_defaults(handler=cmd_signoff)


# -- keys ------------------------------------------------------------------------------------------

def cmd_keys(args: argparse.Namespace) -> int:
    from workbench.services import signing_keys

    password = read_password(args.password_file)
    if args.action == "new":
        if not args.name:
            raise UsageError("keys new needs --name, the signer's name in the certificate")
        facts = signing_keys.new_self_signed(args.out, password, common_name=args.name, organization=args.organization,
                                             days=args.days)
    elif args.action == "import":
        if not args.key or not args.certificate:
            raise UsageError("keys import needs --key and --certificate")
        facts = signing_keys.import_organization_key(args.key, args.certificate, args.out, password,
                                                     chain=tuple(args.chain or ()),
                                                     key_password=read_password(args.key_password_file))
    else:
        facts = signing_keys.describe(args.out, password)
    if args.json:
        _print_json(facts)
        return EXIT_OK
    if args.action != "show":
        print(f"Wrote {facts['file']} (PKCS#12, encrypted with the given password)")
    for key in ("subject", "issuer", "self_signed", "not_valid_before", "not_valid_after", "sha256_fingerprint",
                "chain_certificates", "certificate"):
        if key in facts:
            print(f"  {key.replace('_', ' ')}: {facts[key]}")
    return EXIT_OK


def _add_keys(commands: Any) -> None:
    keys = commands.add_parser("keys", help="create a self-signed signing key, import an organization's key into an "
                                            "encrypted PKCS#12 file, or show a key's certificate; the workbench "
                                            "stores no keys")
    keys.add_argument("action", choices=("new", "import", "show"))
    keys.add_argument("--out", required=True, metavar="KEY.p12",
                      help="PKCS#12 file to write (new, import) or to read (show); never overwritten")
    keys.add_argument("--password-file", required=True, metavar="FILE", help="file whose first line is the password "
                                                                           "of the PKCS#12 file")
    keys.add_argument("--name", help="signer's name in a new self-signed certificate")
    keys.add_argument("--organization", help="organization in a new self-signed certificate")
    keys.add_argument("--days", type=int, default=365, help="validity of a new self-signed certificate in days "
                                                            "(default: 365)")
    keys.add_argument("--key", metavar="KEY.pem", help="the organization's private key (PEM or DER) to import")
    keys.add_argument("--certificate", metavar="CERT.pem", help="the certificate issued for the key (PEM or DER)")
    keys.add_argument("--chain", action="append", metavar="CA.pem",
                      help="an issuing certificate to include (repeatable)")
    keys.add_argument("--key-password-file", metavar="FILE", help="password of an encrypted private key file")
    keys.add_argument("--json", action="store_true", help="print the key's facts as JSON")
    keys.set_defaults(handler=cmd_keys)


def add_commands(commands: Any) -> None:
    """Add the disclosure commands to the ``carbon-workbench`` sub-command parser."""
    _add_report_info(commands)
    _add_signoff(commands)
    _add_keys(commands)
