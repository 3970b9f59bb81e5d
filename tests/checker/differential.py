"""Run generated expressions and specs through the embedded checker and TLC.

Expressions: TLC prints each value (``ASSUME PrintT``, see ``tlc_oracle``); the
embedded checker evaluates the expression and TLC's printed text, which is
TLA+ again, and the two must be equal by the checker's ``=``. An evaluation
error on one side must be an error on the other. Specs: both check the same
module and cfg; compared are the result word, the violated name, the distinct
state count and depth of complete runs and the counterexample length of safety
violations and errors (TLC's are shortest: it searches breadth first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
from aura_model.tla import TlaError, check, load_model
from aura_model.tla._values import format_value

from .tlagen import PRELUDE, GeneratedSpec
from .tlc_oracle import EXPR_HEADER, ExprOutcome, TlcRun, eval_with_tlc, run_tlc

__all__ = ["Disagreement", "comparable", "compare_expressions", "compare_outcomes", "compare_spec"]


@attrs.frozen
class Disagreement:
    """One case where the embedded checker's answer is not TLC's."""

    case: str
    tlc: str
    embedded: str

    def __str__(self) -> str:
        return f"case:\n{self.case}\nTLC:      {self.tlc}\nembedded: {self.embedded}"


def _embedded_module(name: str, exprs: Sequence[str], values: Sequence[str | None]) -> str:
    lines = [f"---- MODULE {name} ----", EXPR_HEADER, PRELUDE, "VARIABLE x"]
    for k, (e, v) in enumerate(zip(exprs, values, strict=True)):
        lines.append(f"E{k} == {e}")
        if v is not None:
            lines.append(f"V{k} == {v}")
            lines.append(f"C{k} == E{k} = V{k}")
    lines += ["Init == x = 0", "Next == x' = x", "===="]
    return "\n".join(lines) + "\n"


def _load(workdir: Path, name: str, text: str) -> object:
    (workdir / f"{name}.tla").write_text(text, "utf-8")
    (workdir / f"{name}.cfg").write_text("INIT Init\nNEXT Next\n", "utf-8")
    return load_model(workdir / f"{name}.tla", workdir / f"{name}.cfg")


def _evaluate(model: object, name: str) -> tuple[object, str | None]:
    """(value, None) or (None, error text); a raw Python exception is reported as such."""
    try:
        return model.evaluate(name), None  # type: ignore[attr-defined]
    except TlaError as exc:
        return None, f"error: {exc}"
    except Exception as exc:  # the checker must never leak one; report it, do not crash
        return None, f"crash: {type(exc).__name__}: {exc}"


def _compare_one(model: object, k: int, tlc: ExprOutcome) -> Disagreement | None:
    value, err = _evaluate(model, f"E{k}")
    tlc_says = f"error: {tlc.error}" if tlc.error is not None else f"value {tlc.value}"
    if err is not None and err.startswith("crash"):
        return Disagreement(tlc.expr, tlc_says, err)
    if tlc.error is not None:
        if err is None:
            return Disagreement(tlc.expr, tlc_says, f"value {format_value(value)}")
        return None
    if err is not None:
        return Disagreement(tlc.expr, tlc_says, err)
    same, cmp_err = _evaluate(model, f"C{k}")
    if same is True:
        return None
    why = cmp_err or f"value {format_value(value)}"
    return Disagreement(tlc.expr, tlc_says, why)


def _compare_batch(
    outcomes: Sequence[ExprOutcome], first: int, workdir: Path
) -> list[Disagreement]:
    name = f"EmbExpr{first}_{len(outcomes)}"
    exprs = [o.expr for o in outcomes]
    try:
        model = _load(workdir, name, _embedded_module(name, exprs, [o.value for o in outcomes]))
    except TlaError as exc:
        if len(outcomes) == 1:
            o = outcomes[0]
            tlc_says = f"error: {o.error}" if o.error else f"value {o.value}"
            return [Disagreement(o.expr, tlc_says, f"module refused: {exc}")]
        # One expression the front end rejects spoils the batch: halve it to find which.
        half = len(outcomes) // 2
        return _compare_batch(outcomes[:half], first, workdir) + _compare_batch(
            outcomes[half:], first + half, workdir
        )
    return [d for k, o in enumerate(outcomes) if (d := _compare_one(model, k, o)) is not None]


def compare_outcomes(outcomes: Sequence[ExprOutcome], workdir: Path) -> list[Disagreement]:
    """Every one of TLC's answers that the embedded checker does not reproduce."""
    return _compare_batch(outcomes, 0, workdir)


def compare_expressions(exprs: Sequence[str], workdir: Path) -> list[Disagreement]:
    """Every expression on which the embedded checker and TLC differ."""
    return compare_outcomes(eval_with_tlc(exprs, workdir, PRELUDE), workdir)


def _tlc_summary(run: TlcRun) -> dict[str, object]:
    return {
        "result": run.result,
        "violated": run.violated,
        "distinct_states": run.distinct_states,
        "depth": run.depth,
        "trace_length": run.trace_length,
    }


def comparable(
    run: TlcRun, result: str, violated: str | None, figures: Mapping[str, object]
) -> dict[str, object]:
    """The figures that must agree for a run that ended as ``run`` did (corpus rules)."""
    out: dict[str, object] = {"result": result}
    if run.result in ("invariant", "property"):
        out["violated"] = violated
    if run.result == "ok":
        out["distinct_states"] = figures["distinct_states"]
        out["depth"] = figures["depth"]
    elif run.result in ("invariant", "deadlock", "error") or (
        run.result == "property" and run.trace_loop is None
    ):
        out["trace_length"] = figures["trace_length"]
        if run.result == "error" and run.trace_length is None and figures["trace_length"] == 1:
            # An error among the initial states: TLC prints the state only for
            # some errors ("While working on the initial state"), so no trace
            # and a one-state trace say the same.
            out["trace_length"] = None
    return out


def compare_spec(spec: GeneratedSpec, workdir: Path) -> tuple[str, Disagreement | None]:
    """Check one generated spec with both: TLC's result word, and None when they agree."""
    tla = workdir / f"{spec.name}.tla"
    cfg = workdir / f"{spec.name}.cfg"
    tla.write_text(spec.module, "utf-8")
    cfg.write_text(spec.cfg, "utf-8")
    run = run_tlc(tla, cfg, spec.flags)
    if run.result in ("parse", "config", "system"):
        raise ValueError(f"TLC refuses a generated spec ({run.error}):\n{spec.describe()}")
    want = comparable(run, run.result, run.violated, _tlc_summary(run))
    deadlock = False if "-deadlock" in spec.flags else None
    try:
        res = check(load_model(tla, cfg), deadlock=deadlock)
    except TlaError as exc:
        return run.result, Disagreement(spec.describe(), str(want), f"refused: {exc}")
    except Exception as exc:  # the checker must never leak one
        crash = f"crash: {type(exc).__name__}: {exc}"
        return run.result, Disagreement(spec.describe(), str(want), crash)
    figures = {
        "distinct_states": res.distinct_states,
        "depth": res.depth,
        # No trace (an error among the initial states) is null in TLC's figures.
        "trace_length": res.trace_length or None,
    }
    got = comparable(run, res.result, res.violated, figures)
    if got == want:
        return run.result, None
    detail = f" ({res.message})" if res.message else ""
    return run.result, Disagreement(spec.describe(), str(want), f"{got}{detail}")
