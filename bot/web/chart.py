"""The fleet page's chart: drifted apps per cluster over time, as an SVG built here (no
script, no chart library: the page stays readable without JavaScript and under a strict
CSP). Pure: series in, a small SVG model out; the template draws it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.store.records import ClusterDrift

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 30
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f")


@dataclass(frozen=True)
class Line:
    cluster: str
    color: str
    points: str  # the polyline's "x,y x,y ..."
    latest: int
    peak: int


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str
    anchor: str = "middle"  # the label's text-anchor: the last one ends at the axis' end


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    empty: bool


def drift_chart(series: Sequence[ClusterDrift]) -> Chart:
    """One line per cluster over the window; the y axis runs from 0 to the peak."""
    peak = max((n for s in series for _, n in s.points), default=0)
    top = max(1, peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    lines = []
    for index, s in enumerate(series):
        count = len(s.points)
        coords = []
        for i, (_, n) in enumerate(s.points):
            x = LEFT + (plot_w * i / max(1, count - 1))
            y = TOP + plot_h * (1 - n / top)
            coords.append(f"{x:.1f},{y:.1f}")
        lines.append(
            Line(
                cluster=s.cluster or "(no cluster)",
                color=PALETTE[index % len(PALETTE)],
                points=" ".join(coords),
                latest=s.points[-1][1] if s.points else 0,
                peak=max((n for _, n in s.points), default=0),
            )
        )
    steps = sorted({0, top // 2, top})
    y_ticks = tuple(Tick(LEFT - 6, TOP + plot_h * (1 - v / top), str(v)) for v in steps)
    x_ticks: tuple[Tick, ...] = ()
    if series and series[0].points:
        points = series[0].points
        picks = sorted({0, len(points) // 2, len(points) - 1})
        x_ticks = tuple(
            Tick(
                LEFT + plot_w * i / max(1, len(points) - 1),
                HEIGHT - 8,
                points[i][0].strftime("%m-%d %H:%M"),
                "start" if i == 0 else "end" if i == len(points) - 1 else "middle",
            )
            for i in picks
        )
    return Chart(WIDTH, HEIGHT, tuple(lines), y_ticks, x_ticks, empty=peak == 0)
