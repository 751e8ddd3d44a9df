"""Reading a text file as Arrow arrays of lines, block by block, with bounded memory."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa


def iter_line_batches(path: Path, skip_lines: int, block_bytes: int = 16 << 20) -> Iterator[tuple[pa.Array, int]]:
    """Yield the file's lines after the first ``skip_lines`` as Arrow string arrays, with bytes read so far.

    Blocks are read one at a time and cut after their last newline, so memory holds one block
    per batch in flight and no more. Each line keeps its line break; callers trim values.
    Bytes that are not UTF-8 are replaced with U+FFFD.
    """
    carry = b""
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(block_bytes):
            done += len(block)
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry = data[cut:]
            lines = _lines_array(data[:cut])
            if skip_lines:
                skipped = min(skip_lines, len(lines))
                lines, skip_lines = lines[skipped:], skip_lines - skipped
            yield lines, done
    if carry:
        yield _lines_array(carry + b"\n")[skip_lines:], done


def _lines_array(chunk: bytes) -> pa.Array:
    ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + 1
    offsets = np.concatenate(([0], ends)).astype(np.int32)
    lines = pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(chunk))
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        return _lines_array(chunk.decode("utf-8", errors="replace").encode("utf-8"))
    return lines
