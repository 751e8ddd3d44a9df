"""Coverage-guided fuzzing of one ingest reader with atheris (libFuzzer).

Usage:
    python fuzz/fuzz_reader.py --list
    python fuzz/fuzz_reader.py READER [libFuzzer options] [CORPUS_DIR ...]

READER is a target name from ``tests/reliability/reader_targets.py`` (``--list`` prints them).
Each input is written under the reader's file name in a temporary folder and read. A reader may
return rows or raise an error from ``workbench.errors``. Any other exception is a crash, and
libFuzzer saves its input as ``crash-<sha1>`` in the working folder (or ``-artifact_prefix``). A reader that
takes longer than ``-timeout`` seconds on one input is reported as a hang. See docs/fuzzing.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "tests"))

import atheris  # noqa: E402 (the path above must be set first)

with atheris.instrument_imports(include=["workbench"]):
    from reliability.reader_targets import TARGETS, write_input  # noqa: E402
    from workbench.errors import WorkbenchError  # noqa: E402


def main(argv: list[str]) -> int:
    names = {target.name: target for target in TARGETS}
    if len(argv) < 2 or argv[1] in ("--list", "-h", "--help"):
        print("readers:", " ".join(names))
        return 0 if len(argv) >= 2 and argv[1] == "--list" else 2
    target = names.get(argv[1])
    if target is None:
        print(f"unknown reader '{argv[1]}'; one of: {', '.join(names)}", file=sys.stderr)
        return 2
    os.environ.setdefault("CWB_LOG_DIR", tempfile.mkdtemp(prefix="cwb-fuzz-log-"))
    folder = Path(tempfile.mkdtemp(prefix=f"cwb-fuzz-{target.name}-"))

    def test_one_input(data: bytes) -> None:
        path = write_input(folder, target, data)
        try:
            target.read(path)
        except WorkbenchError:
            pass

    atheris.Setup([argv[0], *argv[2:]], test_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
