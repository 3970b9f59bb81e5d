"""Shared by the HTML report's tests: a report built from a real embedded-checker
counterexample, and a reader of the page."""

from __future__ import annotations

from html.parser import HTMLParser

from aura_model.specs import spec_dir
from aura_model.tla import check, load_model
from aura_verify.report.data import (
    Check,
    Counterexample,
    CoverageRecord,
    OutcomeCount,
    Report,
    StageRecord,
    Status,
    Step,
)

SPEC = spec_dir()
HOSTILE = "<script>alert('x')</script>"


def embedded_counterexample(module: str, cfg_name: str) -> Counterexample:
    """The embedded checker's trace of a bad model, as the report holds it."""
    cfg = SPEC / module / cfg_name
    model = load_model(SPEC / f"{module}.tla", cfg)
    result = check(model)
    assert result.violated is not None, f"{cfg_name} found no violation"
    doc = result.to_itf(model)
    steps = tuple(
        Step(
            state["#meta"].get("action") if i else None,
            {k: v for k, v in state.items() if k != "#meta"},
        )
        for i, state in enumerate(doc["states"])
    )
    rerun = f"aura-verify check spec/{module}.tla --config spec/{module}/{cfg_name}"
    return Counterexample(
        id=f"embedded-{module}-{cfg.stem}",
        engine="embedded",
        module=module,
        config=f"spec/{module}/{cfg_name}",
        invariant=result.violated,
        expected=True,
        rerun=rerun,
        steps=steps,
    )


def report_of(*examples: Counterexample, hostile: bool = False) -> Report:
    """A report holding ``examples``; ``hostile`` plants markup in every text a run
    can fill: a state value, a stage's detail and command, a coverage outcome."""
    checks = [
        Check(
            cex.invariant,
            cex.module,
            "embedded",
            Status.PASS,
            f"{cex.config}: violated as expected",
            cex.rerun,
            kind="violated-by-broken-variant",
            counterexample=cex.id,
        )
        for cex in examples
    ]
    checks.append(Check("GCChargeFirst", "GuardChain", "tlc", Status.SKIPPED, "no java"))
    checks.append(Check("GCChargeFirst", "GuardChain", "z3-proved", Status.PASS))
    detail = HOSTILE if hostile else "13 models MET"
    stage = StageRecord(
        "spec-check",
        Status.PASS,
        3.2,
        detail,
        None,
        {"models": 13, "states": 4211},
        "aura-verify --stage spec-check" + (f" {HOSTILE}" if hostile else ""),
    )
    coverage = CoverageRecord(
        "guard",
        {"ReceiveReceipt": 12, "DenyOperation": 3},
        (OutcomeCount("ReceiveReceipt", "Accepted", 10),),
        (OutcomeCount("DenyOperation", HOSTILE if hostile else "NoCapability"),),
        87.5,
    )
    if hostile:
        examples = tuple(_plant(cex) for cex in examples)
    return Report(
        started="2026-12-04T07:00:00Z",
        profile="default",
        strict=False,
        seed=None,
        exit_code=0,
        seconds=4.0,
        tools={"tlc": "2.19"},
        stages=(stage,),
        checks=tuple(checks),
        counterexamples=tuple(examples),
        coverage=(coverage,),
    )


def _plant(cex: Counterexample) -> Counterexample:
    """Markup in a state variable, in a message on EpochRotation's network (its
    label in the diagram) and in the action's name."""
    last = cex.steps[-1]
    state = {**last.state, "denials": {"#set": [HOSTILE]}}
    if "msgs" in state:
        forged = {"src": "a1", "dst": "a2", "type": HOSTILE, "id": {"#bigint": "9"}}
        state["msgs"] = {"#set": [*state["msgs"]["#set"], forged]}
    planted = Step(f"{last.action}{HOSTILE}", state)
    return Counterexample(
        cex.id, cex.engine, cex.module, cex.config, cex.invariant, cex.expected,
        cex.rerun, (*cex.steps[:-1], planted),
    )  # fmt: skip


_VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})


class Page(HTMLParser):
    """Every element (tag, attributes, enclosing tags) and the text under each tag."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.stack: list[str] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), tuple(self.stack)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((tuple(self.stack), data))

    def tags(self, name: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for tag, a, _ in self.elements
            if tag == name and all((a.get(k) or "").split().count(v) for k, v in attrs.items())
        ]

    def text_under(self, tag: str) -> list[str]:
        return [t for stack, t in self.texts if tag in stack]
