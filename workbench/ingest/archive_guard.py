"""Checks on a spreadsheet's ZIP container before any XML inside it is parsed.

XLSX, XLSM and ODS files are ZIP archives of XML parts, and python-calamine and openpyxl inflate
a part whole before reading it. A zip bomb (a part of gigabytes compressed into kilobytes, or
tens of thousands of entries) would exhaust memory there. The central directory is checked
first, without inflating anything: the number of entries, each part's declared size, the total
and the compression ratio. Declared sizes can lie, so every part is then inflated once in
blocks of 1 MiB, counting the bytes and stopping at the first limit crossed. zipfile also
stops at the declared size and checks the CRC, so a part that inflates to more than it
declares is rejected as damaged.
"""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from pathlib import Path

from workbench.errors import InputRejectedError

log = logging.getLogger(__name__)

ARCHIVE_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 256 << 20
# XML parts of real workbooks compress 5 to 50 times; zip bombs reach about 1,000 times.
MAX_RATIO = 200
RATIO_MIN_BYTES = 1 << 20
BLOCK_BYTES = 1 << 20
HINT = ("The workbook is not a spreadsheet the workbench opens safely. Save the sheet as CSV, which is "
        "read as a stream, or ask the sender for the original file.")


def check_archive(path: Path, data: bytes | None = None) -> None:
    """Raise InputRejectedError when the archive at ``path`` (or ``data``) could inflate beyond the limits.

    ``path`` names the file in messages; ``data``, when given, is the archive's bytes.
    """
    source = io.BytesIO(data) if data is not None else path
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            _check_directory(path, entries)
            _check_inflated(path, archive, entries)
    except zipfile.BadZipFile as exc:
        raise InputRejectedError(path, f"the spreadsheet is not a valid ZIP archive ({exc})", hint=HINT) from None
    except (OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        # NotImplementedError: an unsupported compression method; RuntimeError: an encrypted part.
        raise InputRejectedError(path, f"the spreadsheet's ZIP archive cannot be read ({exc})", hint=HINT) from None


def _check_directory(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise InputRejectedError(path, f"the spreadsheet's archive has {len(entries):,} entries, more than the "
                                       f"{MAX_ENTRIES:,} a workbook needs", hint=HINT)
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        largest = max(entries, key=lambda entry: entry.file_size)
        raise InputRejectedError(path, f"the spreadsheet's parts would inflate to {total:,} bytes (part "
                                       f"{largest.filename} alone to {largest.file_size:,}), more than the "
                                       f"{MAX_TOTAL_BYTES >> 20} MiB limit", hint=HINT)
    for entry in entries:
        _check_ratio(path, entry.filename, entry.file_size, entry.compress_size)


def _check_ratio(path: Path, name: str, inflated: int, compressed: int) -> None:
    if inflated >= RATIO_MIN_BYTES and inflated > MAX_RATIO * max(compressed, 1):
        raise InputRejectedError(path, f"part {name} of the spreadsheet inflates {inflated / max(compressed, 1):,.0f} "
                                       f"times ({compressed:,} to {inflated:,} bytes), the signature of a zip bomb",
                                 hint=HINT)


def _check_inflated(path: Path, archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    total = 0
    for entry in entries:
        inflated = _inflate_counting(path, archive, entry, MAX_TOTAL_BYTES - total)
        _check_ratio(path, entry.filename, inflated, entry.compress_size)
        total += inflated


def _inflate_counting(path: Path, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> int:
    inflated = 0
    try:
        with archive.open(entry) as part:
            while block := part.read(BLOCK_BYTES):
                inflated += len(block)
                if inflated > budget:
                    raise InputRejectedError(path, f"the spreadsheet's parts inflate to more than the "
                                                   f"{MAX_TOTAL_BYTES >> 20} MiB limit (part {entry.filename})",
                                             hint=HINT)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputRejectedError(path, f"part {entry.filename} of the spreadsheet is damaged ({exc})",
                                 hint=HINT) from None
    return inflated
