"""Load a spec and its configuration into a checkable :class:`Model`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aura_model.tla._config import Config, parse_config
from aura_model.tla._errors import (
    ConfigError,
    EvalError,
    IncompleteSuccessor,
    TlaError,
    TlaParseError,
    Unsupported,
)
from aura_model.tla._modules import (
    InstDef,
    Mod,
    OpDef,
    Scope,
    declarations_as_name_bounds,
    parse_module,
)
from aura_model.tla._resolve import check_names, check_numerals
from aura_model.tla._runtime import UNSET, Act, Ctx, Expr
from aura_model.tla._stdlib import BUILTIN_OPS, BUILTIN_VALUES
from aura_model.tla._strings import cfg_words, intern_order
from aura_model.tla._values import (
    Conversions,
    Fn,
    ModelValue,
    active_value_order,
    from_python,
    set_value_order,
    use_value_order,
)
from aura_model.tla.compile import Compiler, conj, kind_of, op_of
from aura_model.tla.compile._operators import reads_no_state
from aura_model.tla.liveness import compile_fairness, compile_live, is_temporal

__all__ = ["ActionProperty", "Disjunct", "Model", "load_model"]

Node = Any

# How TLC prints a variable an action left unassigned, in the half-built
# successor it shows as the last state of the error trace.
NULL = ModelValue("null")


class ActionProperty:
    """``[][A]_v`` from a PROPERTY: checked on every step the search takes."""

    __slots__ = ("action", "label", "sub")

    def __init__(self, label: str, action: Expr, sub: Expr) -> None:
        self.label = label
        self.action = action
        self.sub = sub


class Disjunct:
    """One named disjunct of Next, with the \\E binders looked through."""

    __slots__ = ("act", "binds", "name", "param_names")

    def __init__(self, name: str, param_names: list[str], binds: Any, act: Act) -> None:
        self.name = name
        self.param_names = param_names
        self.binds = binds
        self.act = act


def _location(node: Node, mod: Mod) -> str:
    s, e = node.start, node.end
    # TLC prints 1-based lines and columns, the end column inclusive; the
    # parser's positions are 0-based with an exclusive end.
    return (
        f"line {s.line + 1}, col {s.column + 1} to line {e.line + 1}, col {e.column}"
        f" of module {mod.name}"
    )


class Model:
    """A spec bound to a configuration, compiled and ready to check."""

    def __init__(self, spec: Path, cfg: Config, constants: Mapping[str, Any] | None = None) -> None:
        self.spec_path = spec
        self.cfg = cfg
        # The order of strings and model values this model ranks by (load_model made
        # it the active one): made active again whenever the model evaluates.
        self.value_order = active_value_order()
        tree = parse_module(spec)
        if tree.name != spec.stem:
            raise TlaParseError(
                f"{spec}: file name '{spec.stem}' does not match the name '{tree.name}'"
                " of the top level module it contains"
            )
        root = Mod(tree.name, str(spec), spec.parent)
        root.load(tree)
        check_names(root)
        check_numerals(root)
        self.root = root
        self.name = tree.name
        self.vars: list[str] = list(root.variables)
        consts: dict[str, Any] = dict(cfg.constants)
        for k, v in (constants or {}).items():
            consts[k] = from_python(v)
        declared = {n for n, _ in root.constants}
        for name in list(consts):
            if name not in declared and name not in root.defs and not _builtin(name):
                v = consts[name]
                if name in (constants or {}) or (isinstance(v, tuple) and v[:1] == ("subst",)):
                    raise ConfigError(f"{cfg.path}: {name} is not a CONSTANT of module {self.name}")
                # TLC passes over a cfg value given to a name the spec does not
                # have (a substitution `<-` for one is its configuration error).
                del consts[name]
        for name, _ in root.constants:
            if name not in consts:
                raise ConfigError(f"{cfg.path}: constant {name} has no value")
        for name, v in list(consts.items()):
            is_subst = isinstance(v, tuple) and len(v) == 2 and v[0] == "subst"
            if name not in declared:
                # The cfg overrides a definition (`Limit <- LooseLimit`, `Max = 3`),
                # standard ones included (`Nat <- MyNat`): everywhere it is used.
                if is_subst:
                    target = root.defs.get(v[1])
                    if not isinstance(target, OpDef):
                        raise ConfigError(f"{cfg.path}: {name} <- {v[1]}: no definition {v[1]}")
                    root.override(name, target)
                else:
                    root.override(name, ("value", v))
                del consts[name]
            elif is_subst and v[1] not in root.defs:
                # `C <- m` with no definition m: a model value, as TLC allows.
                consts[name] = ModelValue(v[1])
        self._module_overrides(cfg)
        self.comp = Compiler(consts)
        self.comp.nvars = len(self.vars)
        self.skipped: list[str] = []
        self.fairness_nodes: list[tuple[Node, Scope]] = []
        self.live_checks: list[tuple[Any, dict[str, Any]]] = []
        self.fairness: list[tuple[Any, dict[str, Any]]] = []
        self.no_behaviour = False
        # A SPECIFICATION with no variables and no initial predicate (see _load_behaviour).
        self.no_initial_state = False
        self._load_behaviour()
        # An error TLC reports before it searches (the run's whole result, exit 76:
        # only an invariant that is not a state predicate sets it).
        self.startup_error: str | None = None
        self.invariants: list[tuple[str, Expr]] = []
        for n in cfg.invariants:
            d = self._def(n, "INVARIANT")
            self._constant_false(d, n, "invariant")
            if is_temporal(d.node.definiens, self.comp, Scope(d.mod, {})) or (
                not d.params and self.comp.call_opdef(d, [], d.node, Scope(self.root, {}))[1] >= 2
            ):
                self.startup_error = self.startup_error or (
                    f"the invariant {n} is not a state predicate (one with no primes or "
                    "temporal operators)"
                )
                continue
            self.invariants.append((n, self._pred(n, "INVARIANT")))
        self.constraints = [self._pred(n, "CONSTRAINT") for n in cfg.constraints]
        self.action_constraints = [
            self._pred(n, "ACTION_CONSTRAINT") for n in cfg.action_constraints
        ]
        self.action_properties: list[ActionProperty] = []
        self.init_properties: list[tuple[str, Expr]] = []
        # The SPECIFICATION's WF/SF conditions constrain the cycles searched;
        # any other temporal conjunct (`[]<>P`) is assumed in each property check.
        self.assumed: list[tuple[Node, Scope]] = []
        for node, nsc in self.fairness_nodes if cfg.properties else ():
            try:
                self.fairness.extend(compile_fairness(node, self.comp, nsc))
            except Unsupported:
                self.assumed.append((node, nsc))
        for p in cfg.properties:
            self._property(p)
        self.view: Expr | None = self._pred(cfg.view, "VIEW") if cfg.view else None
        self.postcondition: Expr | None = (
            self._pred(cfg.postcondition, "POSTCONDITION") if cfg.postcondition else None
        )
        self.symmetry: list[dict[Any, Any]] | None = None
        if cfg.symmetry:
            self.symmetry = self._symmetry(cfg.symmetry)
        self.deadlock_default = cfg.check_deadlock if cfg.check_deadlock is not None else True
        self._disjuncts: list[Disjunct] | None = None
        self._evaluators: dict[str, Expr] = {}
        # States handed to evaluate_many again and again hold the same values.
        self._convert = Conversions()

    # -------------------------------------------------------------- loading

    def _module_overrides(self, cfg: Config) -> None:
        """``C <- [Mod] Def`` and ``C = [Mod] v``: replace ``C`` in module ``Mod``
        only; ``Def`` is read in the root module, as TLC does."""
        # As in TLC, a module or name the spec does not have is passed over
        # (`Ballot <-[Voting] MCBallot` where Voting's Ballot is a CONSTANT
        # its INSTANCE already substitutes).
        overrides: dict[str, dict[str, Any]] = {}
        for mod_name, subs in cfg.mod_overrides.items():
            for name, target_name in subs.items():
                target = self.root.defs.get(target_name)
                if not isinstance(target, OpDef):
                    raise ConfigError(
                        f"{cfg.path}: {name} <-[{mod_name}] {target_name}: no definition"
                        f" {target_name} in module {self.name}"
                    )
                overrides.setdefault(mod_name, {})[name] = target
        for mod_name, values in cfg.mod_constants.items():
            for name, v in values.items():
                overrides.setdefault(mod_name, {})[name] = ("value", v)
        for mod_name, subs in overrides.items():
            for name, new in subs.items():
                self.root.override_in(mod_name, name, new)

    def _def(self, name: str, what: str) -> OpDef:
        d = self.root.defs.get(name)
        if not isinstance(d, OpDef):
            raise ConfigError(
                f"{self.cfg.path}: {what} {name} is not defined in module {self.name}"
            )
        return d

    def _pred(self, name: str, what: str) -> Expr:
        d = self._def(name, what)
        if d.params:
            raise ConfigError(f"{self.cfg.path}: {what} {name} must not take arguments")
        fn, _ = self.comp.call_opdef(d, [], d.node, Scope(self.root, {}))
        return fn

    def _symmetry(self, name: str) -> list[dict[Any, Any]]:
        perms = self._pred(name, "SYMMETRY")(Ctx([], None), {})
        if type(perms) is not frozenset:
            raise ConfigError(f"{self.cfg.path}: SYMMETRY {name} is not a set of permutations")
        out: list[dict[Any, Any]] = []
        for p in perms:
            if not isinstance(p, Fn) or not all(isinstance(k, ModelValue) for k in p.d):
                raise ConfigError(
                    f"{self.cfg.path}: SYMMETRY {name} must be permutations of model values"
                )
            out.append(dict(p.d))
        return _group(out)

    def _load_behaviour(self) -> None:
        cfg = self.cfg
        sc = Scope(self.root, {})
        if cfg.specification:
            d = self._def(cfg.specification, "SPECIFICATION")
            inits: list[tuple[Node, Scope]] = []
            nexts: list[tuple[Node, Scope, Node]] = []
            for node, nsc, _ in self._conjuncts(d.node.definiens, Scope(d.mod, {})):
                k = kind_of(node)
                if k == "FAIRNESS" or (
                    is_temporal(node, self.comp, nsc)
                    and not (k == "OPERATOR_APPLICATION" and node.operator == "[]")
                ):
                    # Fairness conditions matter only for liveness properties.
                    self.fairness_nodes.append((node, nsc))
                    continue
                if k == "OPERATOR_APPLICATION" and node.operator == "[]" and node.arguments:
                    a = node.arguments[0]
                    if kind_of(a) == "SUBSCRIPTED_ACTION" and a.operator == "[":
                        nexts.append((a.action, nsc, a.subscript))
                        continue
                    # []<>P and the like: an assumption for the liveness check.
                    self.fairness_nodes.append((node, nsc))
                    continue
                if self._constant_conjunct(node, nsc):
                    continue
                inits.append((node, nsc))
            if len(nexts) == 1 and not inits and not self.vars:
                # No variables and no initial predicate left: TLC computes no
                # initial state (0 states, no error), as for `[][TRUE]_<<>>`.
                self.no_initial_state = True
            if len(nexts) != 1 or not (inits or self.no_initial_state):
                raise ConfigError(
                    f"{cfg.path}: SPECIFICATION {cfg.specification} is not of the form"
                    " Init /\\ [][Next]_v"
                )
            init_acts = [self.comp.action(n, s, init=True) for n, s in inits]
            # With no initial predicate (no_initial_state) the initial states are none.
            self.init_act = conj(init_acts) if init_acts else _no_state
            self.next_node, self.next_scope, _ = nexts[0]
            self.next_name = _ref_name(self.next_node) or "Next"
        else:
            if not cfg.init and not cfg.next and not self.vars:
                # Only constants and ASSUMEs: TLC evaluates the assumptions and
                # stops (0 states). With variables it wants an initial predicate.
                self.no_behaviour = True
                return
            if not cfg.init or not cfg.next:
                raise ConfigError(f"{cfg.path}: neither SPECIFICATION nor INIT and NEXT given")
            di = self._def(cfg.init, "INIT")
            dn = self._def(cfg.next, "NEXT")
            self.init_act = self.comp.action(di.node.definiens, Scope(di.mod, {}), init=True)
            self.next_node, self.next_scope = dn.node.definiens, Scope(dn.mod, {})
            self.next_name = cfg.next
        self.next_act = self.comp.action(self.next_node, self.next_scope)
        _ = sc

    def _constant_conjunct(self, node: Node, sc: Scope) -> bool:
        """Whether a SPECIFICATION conjunct is a definition of constant level without
        arguments (`Spec == C /\\ Init /\\ [][Next]_v`, `C == N > 0`): TLC evaluates it
        with the constants and leaves it out of the initial predicate when it is TRUE;
        FALSE makes the spec "trivially false" (exit 151). An expression written in
        place, `(1 = 2) /\\ Init`, stays in the initial predicate."""
        if kind_of(node) != "OPERATOR_APPLICATION" or node.arguments:
            return False
        d = self.comp.lookup(node.operator, sc)
        if not isinstance(d, OpDef) or d.params or d.node.function:
            return False
        if not reads_no_state(self.comp, d):
            return False
        fn, _ = self.comp.expr(node, sc)
        value = fn(Ctx([], None), {})
        if value is False:
            raise ConfigError(f"The spec is trivially false because {node.operator} is false.")
        return value is True

    def _conjuncts(
        self, node: Node, sc: Scope, via: bool = False
    ) -> list[tuple[Node, Scope, bool]]:
        """Flatten a temporal formula's conjunction, following definitions."""
        k = kind_of(node)
        if k == "PARENTHESES":
            return self._conjuncts(node.expression, sc, via)
        if k == "VERTICAL_LIST" and node.operator == "/\\":
            out = []
            for it in node.arguments:
                out.extend(self._conjuncts(it.expression, sc, via))
            return out
        if (
            k == "OPERATOR_APPLICATION"
            and op_of(node) == "/\\"
            and node.arguments
            and len(node.arguments) == 2
        ):
            return self._conjuncts(node.arguments[0], sc, via) + self._conjuncts(
                node.arguments[1], sc, via
            )
        if k == "OPERATOR_APPLICATION" and not node.arguments:
            d = self.comp.lookup(node.operator, sc)
            if (
                isinstance(d, OpDef)
                and not d.params
                and is_temporal(d.node.definiens, self.comp, Scope(d.mod, {}))
            ):
                return self._conjuncts(d.node.definiens, Scope(d.mod, {}), via)
        if k == "SUBEXPRESSION_REFERENCE":
            target, _, args = self.comp.instance_ref(node, sc)
            if isinstance(target, OpDef) and not args and not target.params:
                return self._conjuncts(target.node.definiens, Scope(target.mod, {}), True)
        return [(node, sc, via)]

    def _constant_false(self, d: OpDef, name: str, what: str) -> None:
        """TLC evaluates an invariant or property of constant level with the constants:
        FALSE is a configuration error ("The invariant of P is equal to FALSE", exit 151)
        before any state is computed."""
        if d.params or is_temporal(d.node.definiens, self.comp, Scope(d.mod, {})):
            return
        fn, level = self.comp.call_opdef(d, [], d.node, Scope(self.root, {}))
        if level == 0 and fn(Ctx([], None), {}) is False:
            raise ConfigError(f"The {what} of {name} is equal to FALSE")

    def _property(self, name: str) -> None:
        d = self._def(name, "PROPERTY")
        self._constant_false(d, name, "property")
        parts = self._conjuncts(d.node.definiens, Scope(d.mod, {}))
        for node, sc, via in parts:
            label = name if (len(parts) == 1 and not via) else _location(node, sc.mod)
            k = kind_of(node)
            if k == "OPERATOR_APPLICATION" and node.operator == "[]" and node.arguments:
                a = node.arguments[0]
                if kind_of(a) == "SUBSCRIPTED_ACTION" and a.operator == "[":
                    act, _ = self.comp.expr(a.action, sc)
                    sub, _ = self.comp.expr(a.subscript, sc)
                    self.action_properties.append(ActionProperty(label, act, sub))
                    continue
                if not is_temporal(a, self.comp, sc):
                    fn, lvl = self.comp.expr(a, sc)
                    if lvl <= 1:
                        # TLC checks []P, P a state predicate, as an invariant
                        # ("Invariant P is violated", shortest trace).
                        self.invariants.append((label, fn))
                        continue
            if k == "SUBSCRIPTED_ACTION":
                # [A]_v and <<A>>_v are actions, not behaviours: TLC refuses them
                # under PROPERTY as a configuration error.
                raise ConfigError(f"{self.cfg.path}: PROPERTY {name} is an action-level formula")
            if is_temporal(node, self.comp, sc):
                try:
                    # TLC names a violated temporal property by its cfg name,
                    # even when it is one conjunct of that property.
                    self.live_checks.extend(
                        compile_live(name, node, self.comp, sc, assume=self.assumed)
                    )
                except Unsupported as exc:
                    self.skipped.append(f"PROPERTY {name}: {exc}")
                continue
            fn, lvl = self.comp.expr(node, sc)
            if lvl == 2:
                raise ConfigError(
                    f"{self.cfg.path}: PROPERTY {name} is an action-level formula;"
                    " write it as [][A]_v"
                )
            self.init_properties.append((label, fn))

    # --------------------------------------------------------------- checks

    def evaluate(self, name: str, state: Mapping[str, Any] | None = None) -> Any:
        """The value of the zero-argument definition ``name`` (in ``state``, if given)."""
        return self.evaluate_many((name,), state)[0]

    def evaluate_many(
        self, names: Sequence[str], state: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The values of the zero-argument definitions ``names``, in order, in one
        ``state`` (converted once for all of them: an invariant check per step)."""
        use_value_order(self.value_order)
        fns = []
        for name in names:
            fn = self._evaluators.get(name)
            if fn is None:
                d = self._def(name, "definition")
                if d.params:
                    raise ConfigError(f"{name} takes arguments")
                fn, _ = self.comp.call_opdef(d, [], d.node, Scope(self.root, {}))
                self._evaluators[name] = fn
            fns.append(fn)
        cur: list[Any] = [UNSET] * len(self.vars)
        for k, v in (state or {}).items():
            if k not in self.vars:
                raise TlaError(f"unknown variable {k}")
            cur[self.vars.index(k)] = self._convert(v)
        out = []
        for name, fn in zip(names, fns, strict=True):
            try:
                # Compiled state predicates only read ``cur``: one list serves all.
                out.append(fn(Ctx(cur, None), {}))
            except RecursionError:
                raise EvalError(f"{name}: recursion too deep") from None
        return out

    def check_assumptions(self) -> tuple[str, str] | None:
        """The first false ASSUME as (location, message), or None."""
        use_value_order(self.value_order)
        ctx = Ctx([], None)
        for a in self.root.assumptions:
            fn, _ = self.comp.expr(a.node, Scope(a.mod, {}))
            v = fn(ctx, {})
            if v is not True:
                return _location(a.node, a.mod), "Assumption is false"
        return None

    def init_states(self) -> list[tuple[Any, ...]]:
        use_value_order(self.value_order)
        if self.no_behaviour or self.no_initial_state:
            return []
        n = len(self.vars)
        lst: list[Any] = [UNSET] * n
        ctx = Ctx(lst, lst)
        out: list[tuple[Any, ...]] = []
        names = self.vars

        def k() -> None:
            for i, v in enumerate(lst):
                if v is UNSET:
                    raise IncompleteSuccessor(
                        f"the initial predicate does not assign variable {names[i]}",
                        tuple(NULL if w is UNSET else w for w in lst),
                    )
            out.append(tuple(lst))

        self.init_act(ctx, {}, k)
        return out

    def successor_fn(self) -> Callable[[tuple[Any, ...]], list[tuple[Any, ...]]]:
        if self.no_behaviour:
            return lambda cur: []
        n = len(self.vars)
        act = self.next_act
        names = self.vars
        order = self.value_order

        def successors(cur: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            use_value_order(order)
            nxt: list[Any] = [UNSET] * n
            ctx = Ctx(cur, nxt)
            out: list[tuple[Any, ...]] = []
            append = out.append

            def k() -> None:
                if UNSET in nxt:
                    missing = [names[i] for i, v in enumerate(nxt) if v is UNSET]
                    raise IncompleteSuccessor(
                        "successor state is not completely specified: "
                        f"{', '.join(missing)}' not assigned",
                        tuple(NULL if v is UNSET else v for v in nxt),
                    )
                append(tuple(nxt))

            try:
                act(ctx, {}, k)
            except TlaError as exc:
                # TLC has judged the successors found before the failure
                # (the search counts and checks them before it reports it).
                exc.found = out  # type: ignore[attr-defined]
                raise
            return out

        return successors

    def disjuncts(self) -> list[Disjunct]:
        if self.no_behaviour:
            return []
        if self._disjuncts is None:
            self._disjuncts = self._split(self.next_node, self.next_scope, self.next_name, [], [])
        return self._disjuncts

    def _split(
        self, node: Node, sc: Scope, name: str, pnames: list[str], binds: list[Any]
    ) -> list[Disjunct]:
        k = kind_of(node)
        if k == "PARENTHESES":
            return self._split(node.expression, sc, name, pnames, binds)
        if k == "VERTICAL_LIST" and node.operator == "\\/":
            out = []
            for it in node.arguments:
                out.extend(self._split(it.expression, sc, name, pnames, binds))
            return out
        if (
            k == "OPERATOR_APPLICATION"
            and op_of(node) == "\\/"
            and node.arguments
            and len(node.arguments) == 2
            and not node.nonfix
        ):
            return self._split(node.arguments[0], sc, name, pnames, binds) + self._split(
                node.arguments[1], sc, name, pnames, binds
            )
        if k == "QUANTIFICATION" and node.quantifier == "\\E":
            bl, inner, _ = self.comp.bounds(node.declarations, sc, "quantifier")
            names = []
            for target, _b in declarations_as_name_bounds(node.declarations):
                names.extend(
                    [x.operator for x in target.items]
                    if kind_of(target) == "TUPLE"
                    else [target.operator]
                )
            return self._split(node.predicate, inner, name, pnames + names, [*binds, bl])
        if k == "OPERATOR_APPLICATION" and (node.nonfix or not node.arguments):
            d = self.comp.lookup(node.operator, sc)
            if (
                isinstance(d, OpDef)
                and not d.params
                and not d.node.function
                and _is_choice(d.node.definiens)
            ):
                # Next == A \/ B, or a named group of actions: look inside.
                return self._split(d.node.definiens, Scope(d.mod, {}), d.name, pnames, binds)
            if isinstance(d, OpDef) and not d.node.function:
                act = self.comp.action(node, sc)
                return [Disjunct(d.name, pnames, binds, act)]
        return [Disjunct(name, pnames, binds, self.comp.action(node, sc))]


def _is_choice(node: Node) -> bool:
    k = kind_of(node)
    if k == "PARENTHESES":
        return _is_choice(node.expression)
    if k == "VERTICAL_LIST":
        return bool(node.operator == "\\/")
    if k == "QUANTIFICATION":
        return bool(node.quantifier == "\\E")
    return (
        k == "OPERATOR_APPLICATION"
        and op_of(node) == "\\/"
        and not node.nonfix
        and len(node.arguments or ()) == 2
    )


def _group(perms: list[dict[Any, Any]]) -> list[dict[Any, Any]]:
    """The permutations generated by ``perms`` under composition.

    ``Permutations(A) \\cup Permutations(B)`` is not closed under composition;
    TLC's state counts are those of the group it generates (orbits under
    permuting A and B together), so the search canonicalises over the group.
    """

    def key(p: dict[Any, Any]) -> frozenset[tuple[Any, Any]]:
        return frozenset((k, v) for k, v in p.items() if k != v)

    group = {key(p): p for p in perms}
    todo = list(group.values())
    while todo:
        a = todo.pop()
        for b in list(group.values()):
            for f, g in ((a, b), (b, a)):
                comp = {k: f.get(g.get(k, k), g.get(k, k)) for k in set(f) | set(g)}
                kc = key(comp)
                if kc not in group:
                    group[kc] = comp
                    todo.append(comp)
    return list(group.values())


def _builtin(name: str) -> bool:
    """A standard operator the cfg may override (`Nat <- MyNat`)."""
    return name in BUILTIN_OPS or name in BUILTIN_VALUES


def _no_state(ctx: Ctx, env: dict[str, Any], k: Callable[[], None]) -> None:
    """The initial predicate of a SPECIFICATION without one: no state satisfies it."""


def _ref_name(node: Node) -> str | None:
    if kind_of(node) == "OPERATOR_APPLICATION" and not node.arguments:
        return str(node.operator)
    return None


def load_model(
    spec: str | Path, cfg: str | Path | None = None, constants: Mapping[str, Any] | None = None
) -> Model:
    """Load ``spec`` with configuration ``cfg`` (default: the .cfg next to the spec)."""
    spec_path = Path(spec)
    # Recursive operators nest Python calls; allow TLA+ recursion a few hundred deep.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    if not spec_path.exists():
        raise TlaParseError(f"{spec_path}: no such spec")
    cfg_path = Path(cfg) if cfg is not None else spec_path.with_suffix(".cfg")
    config = parse_config(cfg_path)
    cfg_text = cfg_path.read_text(encoding="utf-8", errors="replace") if cfg_path.is_file() else ""
    set_value_order(intern_order(spec_path, cfg_text), cfg_words(cfg_text))
    try:
        return Model(spec_path, config, constants)
    except RecursionError:
        raise Unsupported(f"{spec_path}: definitions nested too deeply to compile") from None
    except (TypeError, AttributeError, IndexError, KeyError, ValueError) as exc:
        # Last resort, outside any expression (the compiler names those itself):
        # report, never a traceback.
        raise Unsupported(
            f"this module's structure ({type(exc).__name__}: {exc})", str(spec_path)
        ) from None


_ = InstDef
