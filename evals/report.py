"""Reports of an eval run: `report.json` (machine-readable), `report.md` (tables), `report.html` (tables
and plots as inline SVG: per-type bars for wenda vs the baselines, and a latency histogram)."""

from __future__ import annotations

import html
import json
from pathlib import Path

HEADLINE = [
    "evidence@1500",
    "hit@1",
    "hit@5",
    "mrr",
    "all_facts",
    "fact_recall",
    "citation_right_doc",
    "citation_precision",
    "citation_support",
    "refusal_correct",
    "false_refusal",
    "token_f1",
    "repeats_bad_answer",
    "latency_p50_ms",
    "latency_p95_ms",
]
ONLY_WHEN_SCORED = {"repeats_bad_answer"}  # only a set of users' feedback has it
PER_TYPE = [
    "evidence@1500",
    "hit@5",
    "all_facts",
    "fact_recall",
    "citation_right_doc",
    "refusal_correct",
    "false_refusal",
]
COLORS = ["#2563eb", "#9ca3af", "#f59e0b", "#10b981", "#ef4444"]


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value)


def markdown(report: dict) -> str:
    systems = report["systems"]
    names = list(systems)
    lines = [
        f"# wenda eval — {report['items']} gold items ({report['gold']}), mode: {report['mode']}",
        "",
        "## Overall",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for metric in HEADLINE:
        if metric in ONLY_WHEN_SCORED and all(metric not in systems[n]["overall"] for n in names):
            continue
        lines.append(
            f"| {metric} | " + " | ".join(_fmt(systems[n]["overall"].get(metric)) for n in names) + " |"
        )
    judge = systems["wenda"].get("judge")
    if judge:
        lines += [
            "",
            "## LLM judge (wenda)",
            "",
            "| | faithfulness | answer_correctness |",
            "|---|---|---|",
            f"| overall | {_fmt(judge['overall']['faithfulness'])} | "
            f"{_fmt(judge['overall']['answer_correctness'])} |",
        ]
        lines += [
            f"| {t} | {_fmt(v['faithfulness'])} | {_fmt(v['answer_correctness'])} |"
            for t, v in judge["by_type"].items()
        ]
    if report.get("refusal_tradeoff"):
        lines += [
            "",
            "## Refusal trade-off (recorded confidences: refused when confidence < threshold)",
            "",
            "Answers with no confidence (LLM answers, errors) count as recorded.",
            "",
            "| threshold | refusal on unanswerable | false refusals on answerable |",
            "|---|---|---|",
        ]
        for r in report["refusal_tradeoff"]:
            current = " (current)" if r["current"] else ""
            shares = f"{_fmt(r['refusal_correct'])} | {_fmt(r['false_refusal'])}"
            lines.append(f"| {r['threshold']:.2f}{current} | {shares} |")
    types = sorted({t for s in systems.values() for t in s["by_type"]})
    lines += [
        "",
        "## By question type (wenda)",
        "",
        "| type | n | " + " | ".join(PER_TYPE) + " |",
        "|---|---|" + "---|" * len(PER_TYPE),
    ]
    for t in types:
        row = systems["wenda"]["by_type"].get(t, {})
        lines.append(f"| {t} | {row.get('n', 0)} | " + " | ".join(_fmt(row.get(m)) for m in PER_TYPE) + " |")
    if len(names) > 1:
        for metric in ("evidence@1500", "all_facts"):
            lines += [
                "",
                f"## {metric} by type, wenda vs baselines",
                "",
                "| type | " + " | ".join(names) + " |",
                "|---|" + "---|" * len(names),
            ]
            for t in types:
                lines.append(
                    f"| {t} | "
                    + " | ".join(_fmt(systems[n]["by_type"].get(t, {}).get(metric)) for n in names)
                    + " |"
                )
    return "\n".join(lines) + "\n"


def _bars(systems: dict, metric: str) -> str:
    """Grouped bars: one group per question type, one bar per system."""
    names = list(systems)
    types = [
        t
        for t in sorted({t for s in systems.values() for t in s["by_type"]})
        if any(metric in s["by_type"].get(t, {}) for s in systems.values())
    ]
    group, bar, height, top = 24 + 14 * len(names), 12, 180, 20
    width = 60 + group * len(types)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 70}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="4" y="12" font-weight="bold">{html.escape(metric)} by question type</text>',
    ]
    for tick in (0, 0.5, 1.0):
        y = top + height * (1 - tick)
        parts.append(
            f'<line x1="40" x2="{width}" y1="{y}" y2="{y}" stroke="#e5e7eb"/><text x="4" y="{y + 4}">'
            f"{tick:.1f}</text>"
        )
    for i, t in enumerate(types):
        x0 = 44 + i * group
        for j, name in enumerate(names):
            value = systems[name]["by_type"].get(t, {}).get(metric) or 0.0
            h = height * value
            parts.append(
                f'<rect x="{x0 + j * 14}" y="{top + height - h}" width="{bar}" height="{h}" '
                f'fill="{COLORS[j % len(COLORS)]}">'
                f"<title>{html.escape(name)} {t}: {value:.3f}</title></rect>"
            )
        parts.append(
            f'<text x="{x0}" y="{top + height + 14}" transform="rotate(25 {x0} {top + height + 14})">'
            f"{html.escape(t)}</text>"
        )
    for j, name in enumerate(names):
        parts.append(
            f'<rect x="{44 + j * 130}" y="{height + 55}" width="10" height="10" '
            f'fill="{COLORS[j % len(COLORS)]}"/>'
            f'<text x="{58 + j * 130}" y="{height + 64}">{html.escape(name)}</text>'
        )
    return "".join(parts) + "</svg>"


def _histogram(latencies: list[float], bins: int = 20) -> str:
    if not latencies:
        return ""
    hi = max(latencies) or 1.0
    counts = [0] * bins
    for v in latencies:
        counts[min(bins - 1, int(v / hi * bins))] += 1
    peak, width, height = max(counts), 24, 140
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{bins * width + 60}" height="{height + 50}" '
        'font-family="sans-serif" font-size="11">',
        '<text x="4" y="12" font-weight="bold">wenda latency per question (ms)</text>',
    ]
    for i, c in enumerate(counts):
        h = height * c / peak
        parts.append(
            f'<rect x="{40 + i * width}" y="{20 + height - h}" width="{width - 2}" height="{h}" '
            f'fill="#2563eb"><title>{c}</title></rect>'
        )
    parts.append(
        f'<text x="40" y="{height + 36}">0</text><text x="{bins * width}" y="{height + 36}">{hi:.0f} '
        "ms</text>"
    )
    return "".join(parts) + "</svg>"


def write_reports(report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    md = markdown(report)
    (out / "report.md").write_text(md, encoding="utf-8")
    latencies = []
    results = out / "results.jsonl"
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            try:
                latencies.append(json.loads(line)["timings_ms"]["total"])
            except (ValueError, KeyError, TypeError):
                pass
    table_html = _md_tables_to_html(md)
    page = [
        "<!doctype html><html><head><meta charset='utf-8'><title>wenda eval</title><style>",
        "body{font-family:sans-serif;max-width:1100px;margin:24px auto;color:#111}"
        "table{border-collapse:collapse;margin:8px 0}"
        "td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style></head><body>",
        _bars(report["systems"], "evidence@1500"),
        _bars(report["systems"], "all_facts"),
        _histogram(latencies),
        table_html,
        "</body></html>",
    ]
    (out / "report.html").write_text("\n".join(page), encoding="utf-8")


def _md_tables_to_html(md: str) -> str:
    out, in_table = [], False
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
                out.append("<tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>")
            else:
                out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
    if in_table:
        out.append("</table>")
    return "\n".join(out)
