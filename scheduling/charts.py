"""Bar charts drawn on the server as SVG geometry: the page needs no JavaScript and no CDN."""

import math
from dataclasses import dataclass
from decimal import Decimal

# The SVG's own coordinate system; it scales to the screen through its viewBox. About a phone's
# width, so the labels' font size stays close to the page's own there (and grows a little on a desktop).
COLUMN_WIDTH, COLUMN_HEIGHT, COLUMN_LABELS = 340, 140, 20
ROW_WIDTH, ROW_HEIGHT, ROW_GAP, ROW_LABEL = 340, 14, 8, 18
# A day label ("14/11") is about 40 units wide at the labels' font size: 8 fit the width side by side.
MAX_COLUMN_LABELS = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    vertical: bool


def _share(value, top) -> float:
    return float(Decimal(value) / Decimal(top)) if top else 0.0


def column_chart(points: list[tuple[str, object, str]]) -> Chart:
    """Vertical bars, one per (label, value, value as read) — the days of the period.

    Past MAX_COLUMN_LABELS bars, only every few bars keep their label, so none overlap; every bar
    still reads out its own day and value."""
    top = max((value for _label, value, _text in points), default=0)
    slot = COLUMN_WIDTH / max(len(points), 1)
    label_every = math.ceil(len(points) / MAX_COLUMN_LABELS) or 1
    bars = []
    for index, (label, value, text) in enumerate(points):
        height = _share(value, top) * COLUMN_HEIGHT
        bars.append(
            Bar(
                label=label if index % label_every == 0 else "",
                value_text=text,
                x=round(index * slot + slot * 0.15, 2),
                y=round(COLUMN_HEIGHT - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                label_x=round(index * slot + slot / 2, 2),
                label_y=COLUMN_HEIGHT + COLUMN_LABELS - 6,
            )
        )
    return Chart(width=COLUMN_WIDTH, height=COLUMN_HEIGHT + COLUMN_LABELS, bars=bars, vertical=True)


def row_chart(points: list[tuple[str, object, str]]) -> Chart:
    """Horizontal bars with the label above each bar, which keeps long names readable on a phone."""
    top = max((value for _label, value, _text in points), default=0)
    step = ROW_LABEL + ROW_HEIGHT + ROW_GAP
    bars = [
        Bar(
            label=label,
            value_text=text,
            x=0,
            y=index * step + ROW_LABEL,
            width=round(max(_share(value, top) * ROW_WIDTH, 2 if value else 0), 2),
            height=ROW_HEIGHT,
            label_x=0,
            label_y=index * step + ROW_LABEL - 4,
        )
        for index, (label, value, text) in enumerate(points)
    ]
    return Chart(width=ROW_WIDTH, height=max(len(points) * step, step), bars=bars, vertical=False)
