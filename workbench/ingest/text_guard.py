"""Checks on a text input before any reader parses it: binary data, line length and UTF-16.

Readers of logs and tables hold a line, a CSV record or a whole file in memory. One line of
100 MB, from a log that lost its newlines or a file that is not a log at all, would cost that much
memory before any check could name the problem. The file is scanned in blocks of ``MAX_LINE_BYTES``
first: a line longer than that is refused with its line number, and memory holds one block. The
first block also shows binary data (NUL and other control bytes) and UTF-16 text (a byte-order
mark, or NUL in every other byte of ASCII text), which is transcoded to a UTF-8 copy so every
reader sees the text it expects.
"""

from __future__ import annotations

import codecs
import logging
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from workbench.errors import InputRejectedError

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1 << 20
SNIFF_BYTES = 64 << 10
# Files in these formats are not line-oriented text; their own readers check them.
NOT_LINE_TEXT_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".parquet", ".json", ".xml", ".zip"}
NOT_LINE_TEXT_MAGIC = (b"PAR1", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13})


@dataclass(frozen=True)
class TextInput:
    """Result of the scan: the encoding to read the file with (None leaves it to the reader) and the line count."""

    encoding: str | None
    lines: int


def check_text_input(path: Path) -> TextInput | None:
    """Scan a line-oriented input; return its TextInput, or None when the file is not line text.

    Raises InputRejectedError for binary data and for a line longer than MAX_LINE_BYTES.
    """
    if path.is_dir() or path.suffix.lower() in NOT_LINE_TEXT_SUFFIXES:
        return None
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(NOT_LINE_TEXT_MAGIC):
        return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<") or stripped.startswith(b"{"):
        return None
    encoding = utf16_encoding(head)
    if encoding is None:
        _reject_binary(path, head)
    newline = NEWLINE_BYTES.get(encoding, b"\n")
    lines = _scan_lines(path, newline)
    return TextInput(encoding, lines)


NEWLINE_BYTES = {"utf-16-le": b"\n\x00", "utf-16-be": b"\x00\n"}  # a line feed in each encoding; UTF-8 otherwise


def utf16_encoding(head: bytes) -> str | None:
    """Return 'utf-16-le' or 'utf-16-be' when ``head`` starts UTF-16 text, else None."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = head[:4096 - 4096 % 2]
    if len(sample) < 8:
        return None
    even_zero = sample[0::2].count(0) / (len(sample) // 2)
    odd_zero = sample[1::2].count(0) / (len(sample) // 2)
    # ASCII text in UTF-16 has a NUL in every other byte, and hardly any in the other half.
    if odd_zero > 0.9 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.9 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _reject_binary(path: Path, head: bytes) -> None:
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    nul = head.find(b"\x00")
    if nul >= 0 or control > max(8, len(head) // 20):
        where = f"byte 0x00 at offset {nul}" if nul >= 0 else f"{control} control bytes in the first {len(head):,}"
        raise InputRejectedError(path, f"the file contains binary data ({where}), not text",
                                 hint="Check that the right file was chosen; logs and CSV tables are plain text.")


def _scan_lines(path: Path, newline: bytes) -> int:
    """Count lines, raising for the first one longer than MAX_LINE_BYTES; holds one block in memory.

    A line inside one block is shorter than the block, so only lines that cross block ends
    are measured, with find() and rfind() on each block.
    """
    line, since_newline = 1, 0
    with open(path, "rb") as handle:
        while block := handle.read(MAX_LINE_BYTES):
            first = block.find(newline)
            if first < 0:
                since_newline += len(block)
            else:
                since_newline += first
            if since_newline > MAX_LINE_BYTES:
                _reject_long_line(path, line, since_newline)
            if first >= 0:
                line += block.count(newline)
                since_newline = len(block) - block.rfind(newline) - len(newline)
    return line


def _reject_long_line(path: Path, line: int, length: int) -> None:
    raise InputRejectedError(path, f"line {line} is longer than {MAX_LINE_BYTES >> 20} MiB (at least {length:,} "
                                   "bytes without a line break), so the file is not a log or table the "
                                   "workbench reads", row=line,
                             hint="Check that the right file was chosen; lines of logs and CSV tables hold a "
                                  "few kilobytes at most.")


@contextmanager
def readable_utf8(path: Path, text: TextInput | None) -> Iterator[Path]:
    """Yield ``path`` itself, or for UTF-16 text a UTF-8 copy of the same name in a temporary folder."""
    if text is None or text.encoding is None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="cwb-utf8-") as folder:
        copy = Path(folder) / path.name
        _transcode(path, copy, text.encoding)
        log.info("decoded %s as %s for reading", path.name, text.encoding.upper())
        yield copy


def _transcode(source: Path, target: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with open(source, "rb") as reader, open(target, "w", encoding="utf-8", newline="") as writer:
        try:
            while block := reader.read(1 << 20):
                writer.write(decoder.decode(block).lstrip("\ufeff") if offset == 0 else decoder.decode(block))
                offset += len(block)
            writer.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise InputRejectedError(source, f"the file looks like {encoding.upper()} text, but bytes near offset "
                                             f"{offset + exc.start:,} are not valid {encoding.upper()}",
                                     hint="Save the file again as UTF-8 text.") from None
