"""Charts drawn on the server as inline SVG: nothing to download, nothing to build, readable with no
JavaScript. Every chart has a text title and its numbers in <title> tooltips; the data behind it is
downloadable from the dashboard (CSV/JSON)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ("#0b5cad", "#d9822b", "#1b7f3b", "#b3261e", "#7b4fb0", "#5b6472", "#0f8b8d", "#c2185b")
TONE_COLOURS = {"positive": "#1b7f3b", "neutral": "#5b6472", "negative": "#b3261e"}


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" class="chart-svg"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def stacked_columns(
    label: str,
    days: list[str],
    series: dict[str, list[int]],
    colours: dict[str, str] | None = None,
    share: bool = False,
) -> Markup:
    """One column per day, stacked by series; `share` draws each day as 100% (tone share)."""
    width, height, left, bottom, top = 600, 250, 40, 30, 10
    if not days:
        return _svg(width, 60, label, ['<text x="10" y="35">Không có dữ liệu</text>'])
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    peak = 1 if share else max(max(totals), 1)
    plot_w, plot_h = width - left - 10, height - bottom - top
    step = plot_w / len(days)
    bar = max(2.0, step * 0.7)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="13">'
        f"{'100%' if share else peak}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="13">0</text>',
    ]
    for index, day in enumerate(days):
        x = left + index * step + (step - bar) / 2
        y = float(top + plot_h)
        for number, (name, values) in enumerate(series.items()):
            value = values[index]
            if not value:
                continue
            fraction = value / (totals[index] or 1) if share else value / peak
            h = fraction * plot_h
            y -= h
            colour = (colours or {}).get(name, PALETTE[number % len(PALETTE)])
            shown = f"{value} ({value / (totals[index] or 1):.0%})" if share else str(value)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(day)} · {escape(name)}: {shown}</title></rect>"
            )
        if len(days) <= 10 or index % max(1, len(days) // 8) == 0:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="13">'
                f"{escape(day[:5])}</text>"
            )
    return _svg(width, height, label, body)


def horizontal_bars(label: str, items: list[tuple[str, int]], colour: str = PALETTE[0]) -> Markup:
    """One labelled bar per item (share of voice, topics, entities, local vs national)."""
    width, row, left = 600, 26, 200
    if not items:
        return _svg(width, 60, label, ['<text x="10" y="35">Không có dữ liệu</text>'])
    height = row * len(items) + 10
    peak = max(max(count for _, count in items), 1)
    total = sum(count for _, count in items) or 1
    body = []
    for index, (name, count) in enumerate(items):
        y = 5 + index * row
        w = (width - left - 80) * count / peak
        short = name if len(name) <= 26 else name[:25] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="13">{escape(short)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{escape(name)}: {count}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" font-size="13">{count} ({count / total:.0%})</text>'
        )
    return _svg(width, height, label, body)
