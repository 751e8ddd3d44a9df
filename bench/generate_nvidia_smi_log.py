"""Write a synthetic ``nvidia-smi --query-gpu`` log for the import benchmark.

The log looks like ``nvidia-smi --query-gpu=timestamp,index,uuid,power.draw,utilization.gpu,
memory.used --format=csv -l 1`` on an 8-GPU node: one row per GPU per second, comma+space
separators, unit suffixes in the values (``659.49 W``, ``100 %``, ``79280 MiB``), naive
wall-clock time stamps with milliseconds, and about one power reading in 10,000 written as
``[N/A]``. The default of 1,400,000 seconds gives 11.2 million rows, about 1.07 GB.

Usage: python bench/generate_nvidia_smi_log.py OUT.csv [--seconds N] [--gpus N] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = "timestamp, index, uuid, power.draw [W], utilization.gpu [%], memory.used [MiB]\n"
START = np.datetime64("2025-03-01T00:00:00", "ms")
BLOCK_SECONDS = 20_000


def write_log(path: Path, seconds: int, gpus: int, seed: int) -> int:
    """Write the log and return its size in bytes."""
    rng = np.random.default_rng(seed)
    uuids = [f"GPU-{rng.integers(0, 16**8):08x}-{rng.integers(0, 16**4):04x}-{rng.integers(0, 16**4):04x}-"
             f"{rng.integers(0, 16**4):04x}-{rng.integers(0, 16**12):012x}" for _ in range(gpus)]
    with open(path, "w", encoding="ascii", newline="\n") as handle:
        handle.write(HEADER)
        for first in range(0, seconds, BLOCK_SECONDS):
            count = min(BLOCK_SECONDS, seconds - first)
            handle.write(_block(rng, first, count, gpus, uuids))
    return path.stat().st_size


def _block(rng: np.random.Generator, first: int, count: int, gpus: int, uuids: list[str]) -> str:
    rows = count * gpus
    second = np.repeat(np.arange(first, first + count), gpus)
    gpu = np.tile(np.arange(gpus), count)
    jitter_ms = rng.integers(80, 100, rows)
    stamps = pa.array(START + second.astype("timedelta64[s]") + jitter_ms.astype("timedelta64[ms]"))
    # With millisecond stamps, %S prints seconds and milliseconds ("00:00:00.092").
    text_time = pc.strftime(stamps, format="%Y/%m/%d %H:%M:%S")

    busy = ((second // 3600 + gpu) % 5) != 0
    power = np.where(busy, rng.normal(640.0, 25.0, rows), rng.normal(70.0, 2.0, rows)).round(2)
    power_text = pc.binary_join_element_wise(pc.cast(pa.array(power), pa.string()), " W", "")
    missing = rng.random(rows) < 1e-4
    power_text = pc.if_else(pa.array(missing), "[N/A]", power_text)
    util = np.where(busy, 100, 0)
    memory = np.where(busy, rng.integers(70000, 80000, rows), 4)

    line = pc.binary_join_element_wise(
        text_time, pc.cast(pa.array(gpu), pa.string()), pa.array(np.array(uuids, dtype=object)[gpu]), power_text,
        pc.binary_join_element_wise(pc.cast(pa.array(util), pa.string()), " %", ""),
        pc.binary_join_element_wise(pc.cast(pa.array(memory), pa.string()), " MiB", ""), ", ")
    return "\n".join(line.to_pylist()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=int, default=1_400_000, help="seconds of logging (default 1,400,000)")
    parser.add_argument("--gpus", type=int, default=8, help="GPUs on the node (default 8)")
    parser.add_argument("--seed", type=int, default=20250301, help="random seed (default 20250301)")
    args = parser.parse_args(argv)
    size = write_log(args.out, args.seconds, args.gpus, args.seed)
    print(f"wrote {args.out}: {args.seconds * args.gpus:,} rows, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
