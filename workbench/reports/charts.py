"""The energy-over-time chart of the PDF report, drawn as vector graphics (reportlab.graphics)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

# Runs beyond this count are drawn as one summed line, so the legend stays readable.
MAX_RUN_LINES = 6
# Up to this many points per line, each hour also gets a marker (a single hour is otherwise invisible).
MAX_MARKED_POINTS = 48
# A common time axis is kept up to this span, even when most of its hours have no energy.
MIN_ALIGNED_SPAN_HOURS = 48
LINE_COLORS = (colors.HexColor("#1f77b4"), colors.HexColor("#ff7f0e"), colors.HexColor("#2ca02c"),
               colors.HexColor("#d62728"), colors.HexColor("#9467bd"), colors.HexColor("#8c564b"))


def energy_chart(hourly: pd.DataFrame, *, width: float, height: float, font_name: str = "Helvetica") -> Drawing:
    """Draw facility energy per UTC hour for each run.

    ``hourly`` has the columns ``run``, ``hour_utc`` (Unix seconds at the start of the hour) and
    ``facility_energy_kwh``. The x axis counts hours from the first hour with energy. When the
    runs lie so far apart that one time axis would squeeze each into a sliver, every run starts
    at 0 instead, and the axis title states this. Lines join consecutive hours with data, so a pause
    in a run shows as a straight segment, not as zero.
    """
    drawing = Drawing(width, height)
    # Without this, reportlab starts every drawing in Helvetica, which the PDF then lists unembedded.
    drawing.initialFontName = font_name
    if hourly.empty:
        drawing.add(String(width / 2, height / 2, "No hourly energy in this project", fontName=font_name,
                           fontSize=10, textAnchor="middle"))
        return drawing

    series = _series(hourly)
    first_hour = int(hourly["hour_utc"].min())
    aligned = _runs_too_far_apart(hourly)
    lines = []
    for _, points in series:
        origin = points[0][0] if aligned else first_hour
        # Each hour's energy sits at the middle of its hour, so a one-hour run is not drawn on the axis.
        lines.append([((hour - origin) / 3600.0 + 0.5, kwh) for hour, kwh in points])

    plot = LinePlot()
    plot.x, plot.y = 50, 45
    plot.width, plot.height = width - 180, height - 70
    plot.data = lines
    _style_axes(plot, lines, font_name)
    for index, points in enumerate(lines):
        line = plot.lines[index]
        line.strokeColor = LINE_COLORS[index % len(LINE_COLORS)]
        line.strokeWidth = 1.2
        if len(points) <= MAX_MARKED_POINTS:
            line.symbol = makeMarker("FilledCircle", size=3)
            line.symbol.fillColor = line.strokeColor
            line.symbol.strokeColor = line.strokeColor
    drawing.add(plot)

    if aligned:
        axis_title = "Hours since each run's first hour with energy (the runs lie far apart in time)"
    else:
        start_text = datetime.fromtimestamp(first_hour, timezone.utc).strftime("%Y-%m-%d %H:00 UTC")
        axis_title = f"Hours since {start_text}"
    drawing.add(String(plot.x + plot.width / 2, 8, axis_title, fontName=font_name, fontSize=8,
                       textAnchor="middle"))
    drawing.add(String(plot.x, plot.y + plot.height + 10, "Facility energy per hour (kWh)",
                       fontName=font_name, fontSize=8))
    drawing.add(_legend([name for name, _ in series], plot.x + plot.width + 12, plot.y + plot.height, font_name))
    return drawing


def _series(hourly: pd.DataFrame) -> list[tuple[str, list[tuple[int, float]]]]:
    """Return (label, [(hour, kWh), ...]) per line: one per run, or one sum over many runs."""
    frame = hourly[["run", "hour_utc", "facility_energy_kwh"]].copy()
    run_names = list(dict.fromkeys(frame["run"]))
    if len(run_names) > MAX_RUN_LINES:
        summed = frame.groupby("hour_utc", sort=True)["facility_energy_kwh"].sum()
        return [(f"all {len(run_names)} runs", [(int(h), float(v)) for h, v in summed.items()])]
    result = []
    for name in run_names:
        rows = frame[frame["run"] == name].sort_values("hour_utc")
        result.append((str(name), [(int(h), float(v)) for h, v in
                                   zip(rows["hour_utc"], rows["facility_energy_kwh"])]))
    return result


def _runs_too_far_apart(hourly: pd.DataFrame) -> bool:
    """Return whether hours without energy would fill most of a common time axis."""
    span_hours = (int(hourly["hour_utc"].max()) - int(hourly["hour_utc"].min())) // 3600 + 1
    hours_with_energy = hourly["hour_utc"].nunique()
    return hourly["run"].nunique() > 1 and span_hours > max(MIN_ALIGNED_SPAN_HOURS, 4 * hours_with_energy)


def _style_axes(plot: LinePlot, lines: list[list[tuple[float, float]]], font_name: str) -> None:
    max_hours = max((x for points in lines for x, _ in points), default=0.0)
    max_kwh = max((y for points in lines for _, y in points), default=0.0)
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max_hours + 0.5
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = max_kwh * 1.1 if max_kwh > 0 else 1.0
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = font_name
        axis.labels.fontSize = 7
    plot.xValueAxis.labelTextFormat = "%g"
    plot.yValueAxis.labelTextFormat = "%.3g"


def _legend(names: list[str], x: float, y: float, font_name: str) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.fontName = font_name
    legend.fontSize = 7
    legend.boxAnchor = "nw"
    legend.columnMaximum = 12
    legend.colorNamePairs = [(LINE_COLORS[i % len(LINE_COLORS)], _short(name)) for i, name in enumerate(names)]
    return legend


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


# -- bar and interval charts -------------------------------------------------------------------------

SCOPE_COLORS = (colors.HexColor("#1f4e79"), colors.HexColor("#2e75b6"), colors.HexColor("#9dc3e6"),
                colors.HexColor("#548235"), colors.HexColor("#a9d18e"), colors.HexColor("#c55a11"))
# Runs beyond this count are summed into one "other runs" bar.
MAX_RUN_BARS = 10


def bar_chart(labels: list[str], values: list[float], *, width: float, height: float, unit: str,
              font_name: str = "Helvetica") -> Drawing:
    """Draw one horizontal bar per label (for example the scopes of an inventory), with the value beside it."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart

    drawing = Drawing(width, height)
    drawing.initialFontName = font_name
    chart = HorizontalBarChart()
    chart.x, chart.y = 190, 30
    chart.width, chart.height = width - 280, height - 45
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = [_short(label, 40) for label in reversed(labels)]
    chart.categoryAxis.labels.fontName = font_name
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(values + [0.0]) * 1.05 or 1.0
    chart.valueAxis.labels.fontName = font_name
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%.3g"
    chart.bars[0].fillColor = SCOPE_COLORS[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.4g"
    chart.barLabels.fontName = font_name
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    drawing.add(String(chart.x + chart.width / 2, 4, unit, fontName=font_name, fontSize=8, textAnchor="middle"))
    return drawing


def stacked_runs_chart(runs: list[dict], *, width: float, height: float, font_name: str = "Helvetica") -> Drawing:
    """Draw operational and embodied emissions of each run (kgCO2e) as stacked bars."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart

    drawing = Drawing(width, height)
    drawing.initialFontName = font_name
    ranked = sorted(runs, key=lambda run: -run["total_co2e_kg"])
    shown, rest = ranked[:MAX_RUN_BARS], ranked[MAX_RUN_BARS:]
    names = [_short(run["run"], 16) for run in shown]
    operational = [run["operational_co2e_kg"] for run in shown]
    embodied = [run["embodied_co2e_kg"] for run in shown]
    if rest:
        names.append(f"{len(rest)} other runs")
        operational.append(sum(run["operational_co2e_kg"] for run in rest))
        embodied.append(sum(run["embodied_co2e_kg"] for run in rest))
    chart = VerticalBarChart()
    chart.x, chart.y = 50, 50
    chart.width, chart.height = width - 170, height - 70
    chart.data = [operational, embodied] if names else [[0.0], [0.0]]
    chart.categoryAxis.categoryNames = names or ["no runs"]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = font_name
        axis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%.3g"
    for index, color in enumerate((SCOPE_COLORS[1], SCOPE_COLORS[3])):
        chart.bars[index].fillColor = color
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    drawing.add(String(chart.x, chart.y + chart.height + 8, "Emissions per run (kgCO2e)", fontName=font_name,
                       fontSize=8))
    legend = _legend(["operational, location-based", "embodied, amortized"], chart.x + chart.width + 10,
                     chart.y + chart.height, font_name)
    legend.colorNamePairs = [(SCOPE_COLORS[1], "operational"), (SCOPE_COLORS[3], "embodied")]
    drawing.add(legend)
    return drawing


def interval_chart(figures: list[tuple[str, float, float, float]], *, width: float, height: float,
                   font_name: str = "Helvetica") -> Drawing:
    """Draw each figure's 95 % interval relative to its value: (label, value, low, high) in any unit."""
    from reportlab.graphics.shapes import Line

    drawing = Drawing(width, height)
    drawing.initialFontName = font_name
    usable = [(label, value, low, high) for label, value, low, high in figures if value]
    if not usable:
        drawing.add(String(width / 2, height / 2, "No uncertainty analysis", fontName=font_name, fontSize=10,
                           textAnchor="middle"))
        return drawing
    spread = max(max(abs(low / value - 1), abs(high / value - 1)) for _, value, low, high in usable) * 100
    limit = max(10.0, float(int(spread / 10.0) + 1) * 10.0)
    left, right = 200.0, width - 20.0
    step = (height - 40.0) / len(usable)

    def x(percent: float) -> float:
        return left + (percent + limit) / (2 * limit) * (right - left)

    for tick in (-limit, -limit / 2, 0.0, limit / 2, limit):
        drawing.add(Line(x(tick), 25, x(tick), height - 10, strokeColor=colors.HexColor("#D1D5DB"), strokeWidth=0.4))
        drawing.add(String(x(tick), 14, f"{tick:+.0f} %", fontName=font_name, fontSize=7, textAnchor="middle"))
    for index, (label, value, low, high) in enumerate(usable):
        y = height - 20 - (index + 0.5) * step
        drawing.add(String(left - 6, y - 3, _short(label, 44), fontName=font_name, fontSize=7, textAnchor="end"))
        drawing.add(Line(x((low / value - 1) * 100), y, x((high / value - 1) * 100), y, strokeColor=SCOPE_COLORS[0],
                         strokeWidth=2))
        drawing.add(Line(x(0), y - 4, x(0), y + 4, strokeColor=colors.black, strokeWidth=1))
    drawing.add(String((left + right) / 2, 2, "95 % interval relative to the reported value", fontName=font_name,
                       fontSize=8, textAnchor="middle"))
    return drawing


def avoided_chart(levers: list[tuple[str, float, float, float]], *, width: float, height: float, unit: str,
                  font_name: str = "Helvetica") -> Drawing:
    """Draw one bar per lever, largest first, with its 95 % interval: (label, avoided, low, high) in ``unit``.

    Bars start at zero, so a lever that would add emissions points left of the zero line.
    """
    from reportlab.graphics.shapes import Line, Rect

    drawing = Drawing(width, height)
    drawing.initialFontName = font_name
    if not levers:
        drawing.add(String(width / 2, height / 2, "No reduction levers", fontName=font_name, fontSize=10,
                           textAnchor="middle"))
        return drawing
    low_end = min([0.0] + [min(value, low) for _, value, low, _ in levers])
    high_end = max([0.0] + [max(value, high) for _, value, _, high in levers]) or 1.0
    left, right = 200.0, width - 20.0
    step = (height - 40.0) / len(levers)

    def x(value: float) -> float:
        return left + (value - low_end) / (high_end - low_end) * (right - left)

    drawing.add(Line(x(0.0), 25, x(0.0), height - 10, strokeColor=colors.black, strokeWidth=0.6))
    for tick in (low_end, (low_end + high_end) / 2, high_end):
        drawing.add(String(x(tick), 14, f"{tick:.3g}", fontName=font_name, fontSize=7, textAnchor="middle"))
    for index, (label, value, low, high) in enumerate(levers):
        y = height - 20 - (index + 0.5) * step
        bar = min(step * 0.6, 14.0)
        drawing.add(String(left - 6, y - 3, _short(label, 44), fontName=font_name, fontSize=7, textAnchor="end"))
        drawing.add(Rect(min(x(0.0), x(value)), y - bar / 2, abs(x(value) - x(0.0)), bar, fillColor=SCOPE_COLORS[3],
                         strokeColor=None))
        drawing.add(Line(x(low), y, x(high), y, strokeColor=colors.black, strokeWidth=0.8))
        for end in (low, high):
            drawing.add(Line(x(end), y - 3, x(end), y + 3, strokeColor=colors.black, strokeWidth=0.8))
    drawing.add(String((left + right) / 2, 2, f"Avoided emissions with 95 % interval ({unit}); not deducted from "
                       "any total", fontName=font_name, fontSize=8, textAnchor="middle"))
    return drawing
