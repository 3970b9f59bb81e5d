"""``report.html``: one self-contained page for a run of ``aura-verify``.

Inline CSS and SVG only: no script, no font, no image, nothing fetched (the
page's Content-Security-Policy forbids it), so the file can be archived as a
CI artefact and opened anywhere. Sections: the verdict, the stages (figures
and the command that reruns each), each counterexample (a sequence diagram of
roles and messages, the state table with the changed variables highlighted,
the command that replays it), the invariant catalogue with one status per
engine and the coverage of each conformance harness.

Every text drawn from the report is escaped: traces, details and commands come
from runs of code under test and may hold anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aura_verify.report.diagram import Diagram, Event, changed_variables, diagram_of, format_itf

if TYPE_CHECKING:
    from aura_verify.report.catalogue import Catalogue
    from aura_verify.report.data import Counterexample, CoverageRecord, Report, StageRecord

__all__ = ["render_html", "write_html"]


def write_html(report: Report, path: Path) -> None:
    """Write the page of ``report`` to ``path`` (its folder is created)."""
    catalogue, note = _catalogue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, catalogue, note), encoding="utf-8")


def _catalogue() -> tuple[Catalogue | None, str]:
    from aura_model.spec_check import SpecCheckError

    from aura_verify.report.catalogue import CatalogueError, build_catalogue

    try:
        return build_catalogue(), ""
    except (CatalogueError, SpecCheckError, ImportError, OSError) as exc:
        # The page must still show the run: the rows then come from its checks.
        return None, f"the catalogue could not be built ({exc}); rows are the run's checks"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def _status_class(text: str) -> str:
    if "FAIL" in text:
        return "fail"
    if "SKIPPED" in text:
        return "skip"
    if "PASS" in text:
        return "pass"
    return "none"


def _badge(text: str) -> str:
    return f'<span class="badge {_status_class(text)}">{_e(text)}</span>'


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 2em 3em;color:#1d2330;background:#fff}
h1{margin:.6em 0 .2em}h2{margin-top:1.8em;border-bottom:2px solid #d8dde6;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d8dde6;padding:.25em .5em;
vertical-align:top;text-align:left}th{background:#f2f4f8}
code,pre{font:12px/1.4 ui-monospace,monospace}pre{white-space:pre-wrap;margin:0}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-weight:600;white-space:nowrap}
.pass{background:#d7f2dc;color:#135c23}.fail{background:#fbd5d5;color:#8a1111}
.skip{background:#fff0c2;color:#6b5200}.none{color:#7a8294}
.verdict{font-size:1.3em}.scroll{overflow-x:auto;max-width:100%}
td.changed{background:#fff3b0;outline:2px solid #e0b800}
.state td{max-width:28em;word-break:break-word}
.stmt{min-width:24em;max-width:40em}.cmd{background:#f2f4f8;padding:.15em .4em;border-radius:3px}
svg text{font:12px ui-monospace,monospace}
.nowrap{white-space:nowrap}
.columns{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}
"""


def render_html(report: Report, catalogue: Catalogue | None, catalogue_note: str = "") -> str:
    """The page of ``report``; without a catalogue its rows are the report's checks."""
    verdict = "PASS" if report.exit_code == 0 else "FAIL"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>aura-verify {_e(verdict)} {_e(report.started)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>aura-verify report</h1>",
        f'<p class="verdict" id="verdict">{_badge(verdict)} exit code {_e(report.exit_code)}',
        f" · profile {_e(report.profile)}{' (strict)' if report.strict else ''}",
        f" · seed {_e(report.seed if report.seed is not None else 'none')}",
        f" · started {_e(report.started)} · {report.seconds:.1f} s</p>",
        _unfinished(report.stages),
        _tools(report.tools),
        '<nav><a href="#stages">stages</a> · <a href="#counterexamples">counterexamples</a>'
        ' · <a href="#catalogue">invariant catalogue</a> · <a href="#coverage">coverage</a></nav>',
        _stages(report.stages),
        _counterexamples(report.counterexamples),
        _catalogue_section(report, catalogue, catalogue_note),
        _coverage(report.coverage),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], attrs: str = "") -> str:
    """A table; ``header`` is escaped here, the cells must already be HTML."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _unfinished(stages: Sequence[StageRecord]) -> str:
    """The stages that failed or were skipped, named under the verdict."""
    words = []
    for status in ("FAIL", "SKIPPED"):
        names = [s.name for s in stages if s.status.value == status]
        if names:
            listed = ", ".join(f"<code>{_e(n)}</code>" for n in names)
            words.append(f"{_badge(status)} {listed}")
    return f'<p id="unfinished">{" · ".join(words)}</p>' if words else ""


def _tools(tools: Mapping[str, str]) -> str:
    if not tools:
        return ""
    rows = [(f"<code>{_e(k)}</code>", _e(v)) for k, v in tools.items()]
    return "<details><summary>Tools</summary>" + _table(("tool", "version"), rows) + "</details>"


def _figures(figures: Mapping[str, int | float]) -> str:
    return ", ".join(
        f"{_e(k)}&nbsp;{_e(f'{v:.2f}' if isinstance(v, float) else v)}" for k, v in figures.items()
    )


def _stages(stages: Sequence[StageRecord]) -> str:
    rows = []
    for s in stages:
        detail = _e(s.reason) if s.reason else ""
        if s.detail:
            detail += f"<details><summary>detail</summary><pre>{_e(s.detail)}</pre></details>"
        rows.append(
            (
                f"<code>{_e(s.name)}</code>",
                _badge(s.status.value),
                f"{s.seconds:.1f}&nbsp;s",
                _figures(s.figures),
                detail,
                f'<code class="cmd nowrap">{_e(s.rerun)}</code>',
            )
        )
    header = ("stage", "status", "time", "figures", "reason / detail", "rerun only it")
    return '<h2 id="stages">Stages</h2>' + _table(header, rows, ' class="stages"')


def _catalogue_section(report: Report, catalogue: Catalogue | None, note: str) -> str:
    from aura_verify.report.catalogue import ENGINE_COLUMNS

    links = {c.invariant: c.counterexample for c in report.checks if c.counterexample}
    header = ["invariant", "module", "kind", "statement"]
    header += [label for _, label in ENGINE_COLUMNS]
    rows = []
    listed: set[str] = set()
    for row in catalogue.all_rows if catalogue is not None else ():
        listed.add(row.name)
        claims = "".join(
            f"<dt>{_e(label)}</dt><dd>{_e(cell)}</dd>"
            for label, cell in (
                ("broken variant", row.broken),
                ("Z3", row.z3),
                ("conformance", row.conformance),
                ("threat", row.threat),
            )
        )
        statement = (
            f"{_e(row.statement)}<details><summary>claims</summary><dl>{claims}</dl></details>"
        )
        rows.append(_catalogue_row((row.name, row.module, row.kind), statement, report, links))
    for check in report.checks:
        if check.invariant not in listed:
            listed.add(check.invariant)
            rows.append(
                _catalogue_row(
                    (check.invariant, check.module, ""), "(not in the catalogue)", report, links
                )
            )
    text = '<h2 id="catalogue">Invariant catalogue</h2>'
    text += (
        "<p>One status per engine from this run's checks: <em>holds</em> on the good "
        "models, <em>broken variant</em> caught on the bad ones (the worst of each).</p>"
    )
    if note:
        text += f'<p class="skip">{_e(note)}</p>'
    return text + '<div class="scroll">' + _table(header, rows, ' class="catalogue"') + "</div>"


def _catalogue_row(
    row: tuple[str, str, str],
    statement_html: str,
    report: Report,
    links: Mapping[str, str | None],
) -> list[str]:
    """Name, module and kind, the statement (HTML), one status per engine."""
    from aura_verify.report.catalogue import statuses

    name, module, kind = row
    cex = links.get(name)
    title = f"<code>{_e(name)}</code>"
    if cex:
        title += f'<br><a href="#cex-{_e(_anchor(cex))}">counterexample</a>'
    cells = [title, _e(module), _e(kind), f'<div class="stmt">{statement_html}</div>']
    cells += [_badge(s) for s in statuses(report, name)]
    return cells


def _counterexamples(examples: Sequence[Counterexample]) -> str:
    text = '<h2 id="counterexamples">Counterexamples</h2>'
    if not examples:
        return text + "<p>None in this run.</p>"
    text += (
        "<p>Each trace as a sequence of roles and messages (read from the variables "
        "that carry them), then its states: one column per step, named by its action, "
        "the variables it changed highlighted.</p>"
    )
    for i, cex in enumerate(examples):
        text += _counterexample(i, cex)
    return text


def _counterexample(index: int, cex: Counterexample) -> str:
    steps = [(s.action, dict(s.state)) for s in cex.steps]
    diagram = diagram_of(cex.module, steps, cex.invariant)
    why = "expected: a broken variant" if cex.expected else "UNEXPECTED"
    head = (
        f'<section class="cex" id="cex-{_e(_anchor(cex.id))}">'
        f"<h3>{_e(cex.module)}: <code>{_e(cex.invariant)}</code> violated "
        f'<span class="badge {"pass" if cex.expected else "fail"}">{_e(why)}</span></h3>'
        f"<p>{_e(cex.engine)} on <code>{_e(cex.config)}</code>, {len(steps)} states. "
        f'Replay: <code class="cmd">{_e(cex.rerun)}</code></p>'
    )
    return (
        head
        + f'<div class="scroll">{_svg(index, diagram)}</div>'
        + f'<div class="scroll">{_state_table(steps)}</div></section>'
    )


_COL = 230
_LEFT = 50
_ROW = 30
_TOP = 50
_CHAR = 7.2


def _fit(text: str, width: float) -> str:
    most = max(4, int(width / _CHAR))
    return text if len(text) <= most else text[: most - 1] + "…"


def _svg(index: int, diagram: Diagram) -> str:
    roles = list(diagram.roles) or ["(no roles)"]
    x = {r: _LEFT + _COL // 2 + i * _COL for i, r in enumerate(roles)}
    width = _LEFT + len(roles) * _COL + 40
    for event in diagram.events:
        if event.src in x and event.dst in (None, event.src):
            # A note or a message to oneself is drawn right of its lifeline.
            width = max(width, int(x[event.src] + 50 + _CHAR * len(event.label)))
    height = _TOP + len(diagram.events) * _ROW + 20
    marker = f"arrow{index}"
    out = [
        f'<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#1d2330"/></marker></defs>',
    ]
    for role, cx in x.items():
        out.append(
            f'<line x1="{cx}" y1="{_TOP - 12}" x2="{cx}" y2="{height - 6}" stroke="#9aa3b5" '
            'stroke-dasharray="4 3"/>'
            f'<rect x="{cx - 60}" y="8" width="120" height="26" rx="4" fill="#e7ecf6" '
            f'stroke="#6a7795"/><text class="role" x="{cx}" y="26" text-anchor="middle">'
            f"{_e(_fit(role, 112))}</text>"
        )
    for row, event in enumerate(diagram.events):
        y = _TOP + row * _ROW + _ROW // 2
        out.append(
            f'<text x="6" y="{y + 4}" fill="#7a8294">{_e(event.step)}</text>'
            + _event_svg(event, x, y, marker, width)
        )
    out.append("</svg>")
    return "".join(out)


def _event_svg(event: Event, x: Mapping[str, int], y: int, marker: str, width: int) -> str:
    title = f"<title>{_e(event.label)}</title>"
    violation = event.label.startswith("violates ")
    if event.src is not None and event.dst is not None and event.src in x and event.dst in x:
        x1, x2 = x[event.src], x[event.dst]
        if x1 == x2:
            path = f"M{x1},{y - 8} h28 v14 h-28"
            return (
                f'<g class="message">{title}<path d="{path}" fill="none" stroke="#1d2330" '
                f'marker-end="url(#{marker})"/><text x="{x1 + 34}" y="{y + 2}">'
                f"{_e(_fit(event.label, _CHAR * 120))}</text></g>"
            )
        mid = (x1 + x2) / 2
        return (
            f'<g class="message">{title}<line x1="{x1}" y1="{y + 4}" x2="{x2}" y2="{y + 4}" '
            f'stroke="#1d2330" marker-end="url(#{marker})"/>'
            f'<text x="{mid}" y="{y - 2}" text-anchor="middle">'
            f"{_e(_fit(event.label, abs(x2 - x1) + _COL))}</text></g>"
        )
    fill, stroke = ("#fbd5d5", "#8a1111") if violation else ("#fffbe6", "#c9b458")
    if event.src is not None and event.src in x:
        cx = x[event.src]
        w = min(_CHAR * 120, 16 + _CHAR * len(event.label))
        left = max(_LEFT, cx - 40)
    else:
        left, w = _LEFT, width - _LEFT - 20
        cx = int(left + w / 2)
    return (
        f'<g class="note{" violation" if violation else ""}">{title}'
        f'<rect x="{left:.0f}" y="{y - 10}" width="{w:.0f}" height="22" rx="3" fill="{fill}" '
        f'stroke="{stroke}"/><text x="{left + w / 2:.0f}" y="{y + 5}" text-anchor="middle">'
        f"{_e(_fit(event.label, w - 10))}</text></g>"
    )


def _state_table(steps: Sequence[tuple[str | None, Mapping[str, Any]]]) -> str:
    if not steps:
        return ""
    variables: list[str] = []
    for _, state in steps:
        variables += [v for v in state if v not in variables]
    header = ["variable"] + [
        f"{i}: {action or ('initial state' if i == 0 else '(no action named)')}"
        for i, (action, _) in enumerate(steps)
    ]
    changed = [()] + [changed_variables(steps[i - 1][1], steps[i][1]) for i in range(1, len(steps))]
    rows = []
    for var in variables:
        cells = [f"<code>{_e(var)}</code>"]
        for i, (_, state) in enumerate(steps):
            shown = format_itf(state[var]) if var in state else ""
            mark = ' class="changed"' if var in changed[i] else ""
            cells.append(f"<code{mark}>{_e(shown)}</code>")
        rows.append(cells)
    table = _table(header, rows, ' class="state"')
    # The highlight belongs on the cell: move the marker from <code> to <td>.
    return table.replace('<td><code class="changed">', '<td class="changed"><code>')


def _coverage(records: Sequence[CoverageRecord]) -> str:
    text = '<h2 id="coverage">Coverage</h2>'
    if not records:
        return text + "<p>No conformance run recorded coverage.</p>"
    for rec in records:
        hit = [(f"<code>{_e(p.action)}</code>", _e(p.outcome), _e(p.count)) for p in rec.pairs]
        missed = [(f"<code>{_e(p.action)}</code>", _e(p.outcome)) for p in rec.missed]
        actions = [(f"<code>{_e(a)}</code>", _e(n)) for a, n in rec.actions.items()]
        text += (
            f'<section class="coverage"><h3>{_e(rec.harness)}: {rec.percent:.1f}% of the '
            f"declared (action, outcome) pairs hit, {len(rec.missed)} missed</h3>"
            '<div class="columns"><div><h4>Steps per action</h4>'
            + _table(("action", "steps"), actions)
            + "</div><div><h4>Pairs hit</h4>"
            + _table(("action", "outcome", "count"), hit)
            + "</div><div><h4>Pairs missed</h4>"
            + (_table(("action", "outcome"), missed) if missed else "<p>none</p>")
            + "</div></div></section>"
        )
    return text
