"""Step validation for trace checking: which actions of Next explain a step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from aura_model.tla._errors import TlaError
from aura_model.tla._model import Disjunct, Model
from aura_model.tla._runtime import UNSET, Ctx
from aura_model.tla._values import Conversions, from_python, use_value_order
from aura_model.tla.compile import enumerate_binds

__all__ = ["ActionMatch", "StepValidator"]


@attrs.frozen
class ActionMatch:
    """An action of Next (by operator name) with the values of its \\E parameters."""

    name: str
    params: dict[str, Any] = attrs.field(factory=dict)


class _Found(Exception):
    pass


class StepValidator:
    """Explains implementation steps by the actions of a model's Next."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.vars = list(model.vars)
        self._index = {v: i for i, v in enumerate(self.vars)}
        self._disjuncts = model.disjuncts()
        self._succ = model.successor_fn()
        # A harness hands in the same (interned) values step after step.
        self._convert = Conversions()

    def _state(self, state: Mapping[str, Any], where: str) -> tuple[Any, ...]:
        missing = [v for v in self.vars if v not in state]
        if missing:
            raise TlaError(f"{where} lacks variable(s) {', '.join(missing)}")
        try:
            convert = self._convert
            return tuple([convert(state[v]) for v in self.vars])
        except (TypeError, RecursionError) as exc:
            raise TlaError(f"{where}: {exc}") from None

    def _partial(self, state: Mapping[str, Any]) -> list[Any]:
        nxt: list[Any] = [UNSET] * len(self.vars)
        for k, v in state.items():
            if k not in self._index:
                raise TlaError(f"next state names unknown variable {k}")
            try:
                nxt[self._index[k]] = from_python(v)
            except (TypeError, RecursionError) as exc:
                raise TlaError(f"next state, variable {k}: {exc}") from None
        return nxt

    def init_states(self) -> list[dict[str, Any]]:
        return [dict(zip(self.vars, s, strict=True)) for s in self.model.init_states()]

    def successors(
        self,
        state: Mapping[str, Any],
        *,
        only: frozenset[str] | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> list[tuple[ActionMatch, dict[str, Any]]]:
        """The successors of ``state`` with the action (and parameters) taking each;
        with ``only``, those of the actions of Next named there; with ``where``, those
        of the instances whose parameters of those names take those values (the
        others are not evaluated)."""
        use_value_order(self.model.value_order)
        cur = self._state(state, "state")
        out: list[tuple[ActionMatch, dict[str, Any]]] = []
        n = len(self.vars)
        for d in self._disjuncts:
            if only is not None and d.name not in only:
                continue
            for env in self._envs(d, cur):
                if where and any(
                    k in env and k in d.param_names and env[k] != v for k, v in where.items()
                ):
                    continue
                nxt: list[Any] = [UNSET] * n
                ctx = Ctx(cur, nxt)
                found: list[tuple[Any, ...]] = []

                def keep(nxt: list[Any] = nxt, found: list[tuple[Any, ...]] = found) -> None:
                    found.append(tuple(nxt))

                d.act(ctx, env, keep)
                for t in found:
                    if UNSET in t:
                        continue
                    out.append((self._match(d, env), dict(zip(self.vars, t, strict=True))))
        return out

    def _envs(self, d: Disjunct, cur: tuple[Any, ...]) -> Any:
        ctx = Ctx(cur, None)
        envs: list[dict[str, Any]] = [{}]
        for bl in d.binds:
            # enumerate_binds may yield one env dict mutated in place: copy before keeping it.
            envs = [dict(e2) for e in envs for e2 in enumerate_binds(bl, ctx, e, None)]  # type: ignore[arg-type]
        return envs

    @staticmethod
    def _match(d: Disjunct, env: dict[str, Any]) -> ActionMatch:
        return ActionMatch(d.name, {p: env[p] for p in d.param_names if p in env})

    def _explain(
        self,
        cur: tuple[Any, ...],
        nxt_known: list[Any],
        first: bool = False,
        accept: Callable[[ActionMatch], bool] | None = None,
    ) -> list[ActionMatch]:
        out: list[ActionMatch] = []

        def found() -> None:
            raise _Found

        for d in self._disjuncts:
            for env in self._envs(d, cur):
                ctx = Ctx(cur, list(nxt_known))
                try:
                    d.act(ctx, env, found)
                except _Found:
                    match = self._match(d, env)
                    if accept is not None and not accept(match):
                        continue
                    out.append(match)
                    if first:
                        return out
        return out

    def explain(
        self,
        state: Mapping[str, Any],
        next_state: Mapping[str, Any],
        *,
        first: bool = False,
        accept: Callable[[ActionMatch], bool] | None = None,
    ) -> list[ActionMatch]:
        """The actions (with parameters) that take ``state`` to ``next_state``, in the
        order of Next's disjuncts; with ``first``, only the first of them (the search
        stops there: a step validator needs one explanation, not all); with
        ``accept``, only those it accepts."""
        use_value_order(self.model.value_order)
        cur = self._state(state, "state")
        nxt = list(self._state(next_state, "next state"))
        return self._explain(cur, nxt, first, accept)

    def explain_partial(
        self, state: Mapping[str, Any], partial_next: Mapping[str, Any]
    ) -> list[ActionMatch]:
        """The actions for which some completion of ``partial_next`` is a successor."""
        use_value_order(self.model.value_order)
        cur = self._state(state, "state")
        return self._explain(cur, self._partial(partial_next))
