"""Distribution specifications written as text, as the command line takes them.

Forms (``%`` marks a spec relative to the input's value; other numbers are absolute values, or
multipliers for activity-data classes, whose inputs are always multipliers of recorded values)::

    fixed
    normal:MEAN,SD              normal:U%            (U = 95 % half-width, sd = U / 1.96)
    lognormal:MEDIAN,GSD        lognormal:GSD        (median at the value)
    uniform:LOW,HIGH            uniform:A%           (rectangular, +/- A %)
    triangular:LOW,MODE,HIGH    triangular:-L%,+H%   (mode at the value)
    beta:ALPHA,BETA[,LOW,HIGH]
    pert:LOW,MODE,HIGH[,LAMBDA]
    class:0.5S                  (a meter accuracy class: rectangular +/- the class index in %)

A suffix ``@CORRELATION`` names how members of a class share draws, for example
``telemetry.gpu_offset_w=uniform:-5,5@all``.
"""

from __future__ import annotations

from workbench.engine.metering import class_limit_percent
from workbench.engine.uncertainty.distributions import Z95, Distribution
from workbench.errors import UsageError


def parse_spec(text: str, *, multiplier: bool = False) -> Distribution:
    """Parse one distribution spec; ``multiplier`` marks activity-data classes, whose values are relative.

    Raises UsageError naming the spec and the expected form.
    """
    spec, _, correlation = text.strip().partition("@")
    kind, _, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    items = [item.strip() for item in rest.split(",")] if rest.strip() else []
    percent = any(item.endswith("%") for item in items)
    try:
        numbers = [float(item.rstrip("%").replace("+", "")) for item in items if kind != "class"]
    except ValueError:
        raise UsageError(f"'{text}' is not a distribution spec: the parameters must be numbers",
                         hint="Write for example normal:5%, uniform:4,6 or triangular:1.2,1.28,1.4.") from None
    distribution = _build(text, kind, items, numbers, percent, multiplier)
    if correlation.strip():
        distribution = Distribution(distribution.kind, distribution.params, distribution.relative,
                                    correlation.strip())
    return distribution


def _build(text: str, kind: str, items: list[str], numbers: list[float], percent: bool,
           multiplier: bool) -> Distribution:
    if kind == "fixed" and not items:
        return Distribution.fixed()
    if kind == "class" and len(items) == 1:
        limit = class_limit_percent(items[0])
        if limit is None:
            raise UsageError(f"'{items[0]}' is not a meter accuracy class", hint="Write for example class:0.5S.")
        return Distribution.rectangular(limit / 100.0)
    if percent:
        return _relative(text, kind, numbers)
    shapes = {"normal": 2, "lognormal": 2, "uniform": 2, "triangular": 3, "beta": (2, 4), "pert": (3, 4)}
    if kind == "lognormal" and len(numbers) == 1:
        return Distribution("lognormal", (1.0, numbers[0]), True)
    expected = shapes.get(kind)
    if expected is None or len(numbers) not in (expected if isinstance(expected, tuple) else (expected,)):
        raise UsageError(f"'{text}' is not a distribution spec",
                         hint="Write fixed, normal:MEAN,SD or normal:U%, lognormal:MEDIAN,GSD or lognormal:GSD, "
                              "uniform:LOW,HIGH or uniform:A%, triangular:LOW,MODE,HIGH, beta:ALPHA,BETA[,LOW,HIGH], "
                              "pert:LOW,MODE,HIGH[,LAMBDA] or class:0.5S.")
    if kind == "beta" and len(numbers) == 2:
        numbers += [0.0, 1.0]
    if kind == "pert" and len(numbers) == 3:
        numbers.append(4.0)
    return Distribution(kind, tuple(numbers), multiplier)


def _relative(text: str, kind: str, numbers: list[float]) -> Distribution:
    fractions = [number / 100.0 for number in numbers]
    if kind == "normal" and len(fractions) == 1:
        return Distribution("normal", (1.0, abs(fractions[0]) / Z95), True)
    if kind == "uniform" and len(fractions) == 1:
        return Distribution.rectangular(abs(fractions[0]))
    if kind == "triangular" and len(fractions) == 2:
        low, high = sorted(fractions)
        return Distribution("triangular", (1.0 + low, 1.0, 1.0 + high), True)
    raise UsageError(f"'{text}' is not a relative distribution spec",
                     hint="Relative forms are normal:U%, uniform:A% and triangular:-L%,+H%.")
