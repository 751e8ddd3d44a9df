"""Record tables (registers of assets, instruments, activities): one typed record per row.

A :class:`Field` names a column, its type, whether it is required, its allowed range or values
and the other names publishers give it. :func:`read_records` maps the header to the fields (by
name, alias, or a :class:`~workbench.ingest.mapping.Mapping` that renames columns), parses
every row and rejects a row with the first field that fails, naming the column, value and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, is_missing, normalize_column, split_header_unit
from workbench.ingest.tables import Table, cell_text, is_blank_row, open_table
from workbench.ingest.values import ValueProblem, normalize_date_text, parse_date, parse_number

TRUE_WORDS = {"1", "yes", "y", "true", "pass", "passed", "ok", "x"}
FALSE_WORDS = {"0", "no", "n", "false", "fail", "failed"}


@dataclass(frozen=True)
class Field:
    """One column of a record table: its type is text, number, date, bool or choice.

    ``required`` makes the column mandatory, and every cell of it too unless ``empty_allowed`` is
    set. With ``empty_allowed`` an empty cell reads as None, and the table's check decides.
    """

    name: str
    type: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    strictly_positive: bool = False
    choices: dict[str, str] = field(default_factory=dict)
    lower: bool = False
    empty_allowed: bool = False


class RecordError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def read_records(path: Path, fields: tuple[Field, ...], result: ReadResult, *, mapping=None,
                 check: Callable[[dict[str, Any]], None] | None = None, what: str = "records") -> list[dict]:
    """Read every row of ``path`` into a dict of field values; rejected rows go to ``result``."""
    layout = mapping.layout() if mapping is not None else None
    table = open_table(path, layout=layout)
    result.notes.extend(table.notes)
    position = _positions(path, table, fields, mapping, what)
    records = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = list(cells) + [None] * (len(table.header) - len(cells))
        try:
            record = {"source_row": number}
            for spec in fields:
                record[spec.name] = _value(spec, cells[position[spec.name]] if spec.name in position else None,
                                           table.decimal_comma)
            if check is not None:
                check(record)
            records.append(record)
        except RecordError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
    return records


def _positions(path: Path, table: Table, fields: tuple[Field, ...], mapping, what: str) -> dict[str, int]:
    names = mapping.renamed(table.header) if mapping is not None else [
        normalize_column(split_header_unit(name)[0]) for name in table.header]
    position = {}
    for spec in fields:
        for candidate in (spec.name,) + spec.aliases:
            if candidate in names:
                position[spec.name] = names.index(candidate)
                break
    missing = [spec.name for spec in fields if spec.required and spec.name not in position]
    if missing:
        raise InputRejectedError(path, f"not a {what} table: no column {', '.join(missing)}", row=table.header_row,
                                 hint="The header needs: " + ", ".join(s.name for s in fields if s.required) +
                                      ". Map other names with --mapping.")
    return position


def _value(spec: Field, cell, decimal_comma: bool):
    text = cell_text(cell)
    if cell is None or is_missing(text):
        if spec.required and not spec.empty_allowed:
            raise RecordError(spec.name, text, "value is missing")
        return None
    if spec.type == "number":
        return _number(spec, cell, text, decimal_comma)
    if spec.type == "date":
        try:
            return parse_date(normalize_date_text(text, None) if isinstance(cell, str) else cell).isoformat()
        except ValueProblem as exc:
            raise RecordError(spec.name, text, str(exc)) from None
    if spec.type == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return 1
        if word in FALSE_WORDS:
            return 0
        raise RecordError(spec.name, text, "not yes/no (use yes, no, pass, fail, 1 or 0)")
    if spec.type == "choice":
        key = normalize_column(text).replace("-", "_")
        if key not in spec.choices:
            raise RecordError(spec.name, text, f"must be one of {', '.join(sorted(set(spec.choices.values())))}")
        return spec.choices[key]
    return text.lower() if spec.lower else text


def _number(spec: Field, cell, text: str, decimal_comma: bool) -> float:
    try:
        value = parse_number(cell, decimal_comma=decimal_comma)
    except ValueProblem as exc:
        raise RecordError(spec.name, text, str(exc)) from None
    if spec.strictly_positive and value <= 0:
        raise RecordError(spec.name, text, "must be greater than 0")
    if spec.low is not None and value < spec.low:
        raise RecordError(spec.name, text, f"must be at least {spec.low:g}")
    if spec.high is not None and value > spec.high:
        raise RecordError(spec.name, text, f"must be at most {spec.high:g}")
    return value
