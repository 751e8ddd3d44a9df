"""Write each reader's seed inputs into ``CORPUS/<reader>/`` for fuzz_reader.py to start from.

Usage: python fuzz/write_seed_corpus.py [CORPUS]   (default: fuzz/corpus, which git ignores)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "tests"))

from reliability.reader_targets import TARGETS  # noqa: E402


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else REPOSITORY / "fuzz" / "corpus"
    for target in TARGETS:
        folder = corpus / target.name
        folder.mkdir(parents=True, exist_ok=True)
        for seed in target.seeds():
            (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        print(f"{folder}: {len(list(folder.iterdir()))} inputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
