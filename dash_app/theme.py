"""Colours, symbols and patterns shared by every chart, so granted and refused look the same everywhere.

Blue and orange stay distinct for the common colour-vision deficiencies; each is also carried by a symbol, a
pattern and a word, so colour is never the only carrier (WCAG 1.4.1).
"""

from __future__ import annotations

import plotly.graph_objects as go

GRANTED = "#1a5e9a"  # 7.0:1 on white
REFUSED = "#a63c00"  # 6.0:1 on white
GRANTED_LIGHT = "#d6e6f5"
REFUSED_LIGHT = "#f8dccb"
NEUTRAL = "#595959"  # 7.0:1 on white
CLIENT = "#000000"

DECISION_COLOURS = {"granted": GRANTED, "refused": REFUSED}
DECISION_SYMBOLS = {"granted": "circle", "refused": "x"}
DECISION_PATTERNS = {"granted": "", "refused": "/"}
DECISION_ICONS = {"granted": "✔", "refused": "✖"}
EFFECT_ICONS = {"raises": "▲", "lowers": "▼"}
#: Model versions on the trend charts, in the order they first serve: a colour and a marker symbol each (the
#: legend names them); estimated and realised figures differ by line dash and open or filled markers.
VERSION_COLOURS = (GRANTED, REFUSED, "#2d6a2d", "#6a3d9a", NEUTRAL)
VERSION_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "star")
ESTIMATED_DASH = "dash"
REALISED_DASH = "solid"
ALERT_COLOUR = REFUSED
SCORE_COLOURSCALE = "Cividis"  # perceptually uniform and readable with colour-vision deficiencies

FONT_SIZE = 15


def decision_marker(decision: str) -> dict:
    """Bar marker of a decision (or of what leads to it): its colour, and hatching for refused."""
    pattern = {"shape": DECISION_PATTERNS[decision], "fgcolor": "white", "solidity": 0.3}
    return {"color": DECISION_COLOURS[decision], "pattern": pattern}


def base_layout(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    """Large readable text, a white background and room for axis labels."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 3}},
        font={
            "size": FONT_SIZE,
            "color": "#212529",
            "family": "system-ui, -apple-system, Segoe UI, sans-serif",
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 20, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hoverlabel={"font_size": FONT_SIZE},
    )
    figure.update_xaxes(gridcolor="#d9d9d9", zerolinecolor="#8c8c8c", automargin=True)
    figure.update_yaxes(gridcolor="#d9d9d9", zerolinecolor="#8c8c8c", automargin=True)
    return figure
