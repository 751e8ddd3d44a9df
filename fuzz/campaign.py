"""Run fuzz_reader.py on every reader (or those named) for a fixed time each and summarize the crashes.

Usage: python fuzz/campaign.py [--seconds N] [--corpus DIR] [--artifacts DIR] [READER ...]

Each reader runs in its own process with ``-max_total_time=N -timeout=10 -rss_limit_mb=2048``,
starting from ``DIR/<reader>`` (written by write_seed_corpus.py when missing) and growing it.
Crash, timeout and out-of-memory inputs go to ``ARTIFACTS/<reader>/``. Exit status 1 when any
reader produced one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "tests"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readers", nargs="*", help="reader names (default: every reader)")
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per reader, in seconds")
    parser.add_argument("--corpus", type=Path, default=REPOSITORY / "fuzz" / "corpus")
    parser.add_argument("--artifacts", type=Path, default=REPOSITORY / "fuzz" / "artifacts")
    args = parser.parse_args(argv)

    from reliability.reader_targets import TARGETS

    readers = args.readers or [target.name for target in TARGETS]
    if not args.corpus.exists():
        subprocess.run([sys.executable, str(REPOSITORY / "fuzz" / "write_seed_corpus.py"), str(args.corpus)],
                       check=True)
    found = {}
    for reader in readers:
        artifacts = args.artifacts / reader
        artifacts.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(REPOSITORY / "fuzz" / "fuzz_reader.py"), reader,
                   f"-max_total_time={args.seconds}", "-timeout=10", "-rss_limit_mb=2048",
                   f"-artifact_prefix={artifacts}/", str(args.corpus / reader)]
        completed = subprocess.run(command, capture_output=True, text=True)
        runs = [line for line in completed.stderr.splitlines() if line.startswith("#") and "DONE" in line]
        found[reader] = sorted(path.name for path in artifacts.iterdir())
        print(f"{reader}: exit {completed.returncode}, {runs[-1] if runs else 'no summary line'}, "
              f"{len(found[reader])} artifacts", flush=True)
        if completed.returncode not in (0,) and not found[reader]:
            print(completed.stderr[-2000:], file=sys.stderr)
    crashed = {reader: names for reader, names in found.items() if names}
    for reader, names in crashed.items():
        print(f"  {reader}: {', '.join(names)}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
