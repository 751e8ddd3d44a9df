"""Hypothesis profiles and input mutations shared by the reliability property tests.

The ``ci`` profile keeps each property to a few dozen derandomized examples so the whole
``tests/reliability`` folder runs in about a minute; ``CWB_HYPOTHESIS_PROFILE=long`` runs
thousands of random examples per reader for a longer campaign (see docs/fuzzing.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile(os.environ.get("CWB_HYPOTHESIS_PROFILE", "ci"))

# Byte strings that readers treat specially: separators, quotes, missing-value tokens, numbers at
# the edge of float range, impossible dates, byte-order marks, XML markup and formula prefixes.
TOKENS = (
    b"", b",", b";", b"|", b"\t", b'"', b"'", b"\n", b"\r\n", b"\r", b"\x00", b" ", b"#",
    b"NaN", b"nan", b"inf", b"-inf", b"1e309", b"-1e308", b"0", b"-0", b"-1", b"1e-320", b"99999999999999999999",
    b"[N/A]", b"N/A", b"-", b"None", b"[Not Supported]", b"0x1F", b"1,5", b"1.2.3", b"12 W", b"W", b"kWh",
    b"2024-02-30T25:61:00", b"9999-12-31T23:59:59Z", b"0000-00-00", b"1970-01-01", b"2025/13/45 99:99:99.999",
    b"Thu Aug  6 01:03:40 2026", b"2024-03-15-20:24:16", b"+08:00", b"Z", b"1764189075", b"-99999999999",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xe9", b"\xc3\xa9", b"\xed\xa0\x80", b"\x80",
    b"<", b">", b"&amp;", b"&bogus;", b"]]>", b"<![CDATA[", b"</", b"<!DOCTYPE x>", b"=1+1", b"@SUM(A1)",
    b"energy=", b"gres/gpu=8", b"{", b"}", b"[", b"]", b"\\", b"0:00:05.00", b"111:11:54",
)


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """Return a seed with a few byte-level edits: flips, token insertions, deletions, line copies, a cut."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        operation = draw(st.sampled_from(("flip", "token", "replace", "delete", "copy_line", "truncate")))
        position = draw(st.integers(min_value=0, max_value=max(len(data), 1)))
        if operation == "flip" and data:
            index = min(position, len(data) - 1)
            data[index] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "token":
            data[position:position] = draw(st.sampled_from(TOKENS))
        elif operation == "replace":
            end = position + draw(st.integers(min_value=1, max_value=12))
            data[position:end] = draw(st.sampled_from(TOKENS))
        elif operation == "delete":
            del data[position:position + draw(st.integers(min_value=1, max_value=64))]
        elif operation == "copy_line":
            lines = bytes(data).splitlines(keepends=True)
            if lines:
                line = lines[min(position, len(lines) - 1)]
                data[position:position] = line * draw(st.integers(min_value=1, max_value=3))
        else:
            del data[position:]
    return bytes(data)


def hostile_inputs(seeds: list[bytes]):
    """Mutated seeds most of the time, and now and then arbitrary bytes or text."""
    return st.one_of(
        mutated(seeds), mutated(seeds), mutated(seeds),
        st.binary(max_size=512),
        st.text(max_size=400).map(lambda text: text.encode("utf-8", errors="surrogatepass")),
    )
