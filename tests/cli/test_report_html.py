"""The HTML report: built from a real embedded-checker counterexample, read back
with ``html.parser`` (tables, the sequence diagram, the state table, escaping)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aura_verify.report.catalogue import build_catalogue
from aura_verify.report.data import Counterexample
from aura_verify.report.diagram import diagram_of
from aura_verify.report.html import render_html, write_html

from tests.cli.report_pages import HOSTILE, Page, embedded_counterexample, report_of


def markup_problems(text: str) -> list[str]:
    """What makes a page unsafe or not self-contained: a script element, an event
    handler attribute, anything fetched from elsewhere."""
    page = Page(text)
    problems = [f"<{tag}> element" for tag, _, _ in page.elements if tag in ("script", "iframe")]
    for tag, attrs, _ in page.elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            if name in ("src", "href") and value and not value.startswith("#"):
                problems.append(f"<{tag} {name}={value}>")
    return problems


@pytest.fixture(scope="module")
def example() -> Counterexample:
    return embedded_counterexample("EpochRotation", "MC_EpochRotation_bad_ERNoReplayedInit.cfg")


@pytest.fixture(scope="module")
def catalogue() -> Any:
    return build_catalogue()


def test_the_page_has_every_section_from_real_data(example: Counterexample, catalogue: Any) -> None:
    """Stages, catalogue (one row per invariant, statuses), the counterexample
    (roles, messages, replay command) and its state table (actions, changes)."""
    page = Page(render_html(report_of(example), catalogue))
    assert len(page.tags("table", **{"class": "stages"})) == 1
    assert len(page.tags("table", **{"class": "catalogue"})) == 1
    assert len(page.tags("table", **{"class": "state"})) == 1
    assert len(page.tags("svg", **{"class": "sequence"})) == 1
    cells = page.text_under("table")
    # One catalogue row per invariant of the specs, with the run's statuses.
    for row in catalogue.all_rows:
        assert row.name in cells
    assert "holds SKIPPED" in cells and "holds PASS" in cells
    assert "broken variant PASS" in cells
    # The counterexample: its roles, its messages, the replay command.
    svg = page.text_under("svg")
    assert {"a1", "a2"} <= set(svg)
    assert any(t.startswith("PrepareEstablishChannel: Init id=1") for t in svg)
    assert "violates ERNoReplayedInit" in svg
    assert example.rerun in page.text_under("code")
    # The state table names each step's action and marks what changed.
    assert any("HandleHandshake" in t for t in page.text_under("th"))
    assert page.tags("td", **{"class": "changed"})
    assert page.tags("a", href=f"#cex-{example.id}")


def test_every_value_is_escaped(example: Counterexample, catalogue: Any) -> None:
    """Markup in a state, a message, an action name, a stage's detail and command
    and a coverage outcome shows as text; the page runs nothing, fetches nothing."""
    text = render_html(report_of(example, hostile=True), catalogue)
    assert markup_problems(text) == []
    page = Page(text)
    shown = [t for _, t in page.texts if HOSTILE in t]
    # The state cells, the action in the table head, the detail, the command,
    # the outcome, and in the diagram the message's label and its tooltip.
    assert len(shown) >= 8, shown
    assert any(HOSTILE in t for t in page.text_under("svg"))
    assert any(HOSTILE in t for t in page.text_under("title"))
    assert not page.tags("script")


def test_the_markup_check_catches_an_unescaped_value() -> None:
    """Failing counterpart: the check above finds planted markup left raw."""
    assert markup_problems(f"<p>{HOSTILE}</p><img src=https://x/y.png onerror=z>") == [
        "<script> element",
        "<img src=https://x/y.png>",
        "<img onerror>",
    ]


def test_write_html_writes_one_self_contained_file(tmp_path: Path, example: Counterexample) -> None:
    """One file, with the policy that forbids fetching anything."""
    path = tmp_path / "verify" / "report.html"
    write_html(report_of(example), path)
    text = path.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in text
    assert markup_problems(text) == []
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_guard_chain_receipts_are_messages_and_the_actor_gets_the_note() -> None:
    """GuardChain: a receipt on the wire is a message; the violation ends the diagram."""
    cex = embedded_counterexample("GuardChain", "MC_GuardChain_bad_GCNoEffectOnDeny.cfg")
    diagram = diagram_of(cex.module, [(s.action, s.state) for s in cex.steps], cex.invariant)
    sent = [e for e in diagram.events if e.dst is not None]
    assert len(sent) == 1
    assert sent[0].label.startswith("DenyOperation: receipt n=1")
    assert diagram.events[-1].label == "violates GCNoEffectOnDeny"


def test_descriptor_sync_is_a_message_from_a_holder() -> None:
    """DescriptorValidity: a synced fact comes from a member that held it; a
    written one is a note on its author."""
    cex = embedded_counterexample(
        "DescriptorValidity", "MC_DescriptorValidity_bad_DVOnlyMembersKnow.cfg"
    )
    diagram = diagram_of(cex.module, [(s.action, s.state) for s in cex.steps], cex.invariant)
    syncs = [e for e in diagram.events if e.label.startswith("SyncJournal")]
    assert [(e.src, e.dst) for e in syncs] == [("a1", "eve")]
    writes = [e for e in diagram.events if "writes Descriptor" in e.label]
    assert writes and writes[0].dst is None


def test_an_unknown_module_falls_back_to_records_with_src_and_dst(
    example: Counterexample,
) -> None:
    """The generic adapter finds EpochRotation's messages without knowing ``msgs``."""
    steps = [(s.action, s.state) for s in example.steps]
    known = diagram_of("EpochRotation", steps)
    generic = diagram_of("SomethingElse", steps)
    pairs = [(e.src, e.dst) for e in known.events if e.dst]
    assert (
        pairs
        == [(e.src, e.dst) for e in generic.events if e.dst]
        == [
            ("a1", "a2"),
            ("a2", "a1"),
        ]
    )
    assert all(e.label.split(": ", 1)[1].startswith("msgs: [") for e in generic.events if e.dst)


@pytest.mark.slow  # about 3 s of model checking, 6 s on a loaded machine
def test_a_relayed_handshake_goes_through_the_relay() -> None:
    """Rendezvous' relayed messages: to the relay, then from the relay to the peer;
    the descriptor Resp wrote reaches Ini by sync before Ini connects."""
    cex = embedded_counterexample("Rendezvous", "MC_Rendezvous_bad_RVRelayedEndToEnd.cfg")
    diagram = diagram_of(cex.module, [(s.action, s.state) for s in cex.steps], cex.invariant)
    hops = [(e.src, e.dst, e.label.split(":")[0]) for e in diagram.events if e.dst]
    assert hops == [
        ("a2", "a1", "SyncJournal"),
        ("a1", "r1", "PrepareEstablishChannel"),
        ("r1", "a2", "RelayForward"),
        ("a2", "r1", "HandleHandshake"),
        ("r1", "a1", "RelayForward"),
        ("a1", "a2", "ProcessResponse"),  # the confirmation that skips the relay
    ]
    assert diagram.roles == ("a1", "a2", "r1")


def test_failed_and_skipped_stages_are_named_under_the_verdict(example: Counterexample) -> None:
    """A failing run says FAIL and names the stages that failed or were skipped."""
    import attrs
    from aura_verify.report.data import StageRecord, Status

    report = report_of(example)
    skipped = StageRecord("apalache", Status.SKIPPED, 0.1, "no java", "no java", {}, "x")
    failed = attrs.evolve(report.stages[0], status=Status.FAIL, reason="1 model missed")
    report = attrs.evolve(report, exit_code=1, stages=(failed, skipped))
    page = Page(render_html(report, None, "no catalogue"))
    verdict = " ".join(t for stack, t in page.texts if "p" in stack[-1:])
    assert page.tags("p", id="unfinished")
    assert "FAIL" in page.text_under("span")
    words = [t for stack, t in page.texts if stack[-1:] == ("code",)]
    assert words[:2] == ["spec-check", "apalache"], words
    assert "exit code 1" in verdict


def test_the_page_is_written_when_the_catalogue_cannot_be_built(
    tmp_path: Path, example: Counterexample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project without docs/catalogue/: the page says why, and lists the run's
    checks as its rows; the counterexample is still drawn."""
    import aura_verify.report.catalogue as catalogue_module

    monkeypatch.setattr(catalogue_module, "project_root", lambda: tmp_path / "elsewhere")
    path = tmp_path / "report.html"
    write_html(report_of(example), path)
    page = Page(path.read_text("utf-8"))
    notes = [t for t in page.text_under("p") if "could not be built" in t]
    assert notes and "checks.toml" in notes[0]
    assert "(not in the catalogue)" in page.text_under("table")
    assert page.tags("svg", **{"class": "sequence"})
