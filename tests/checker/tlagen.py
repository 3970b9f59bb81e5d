"""Hypothesis strategies for small, varied TLA+ expressions and specifications.

``expressions()`` draws constant expressions of one of a few types (integers,
Booleans, sets of integers, sequences, strings, records, functions), built
type-correctly from the standard and TLC modules' operators, including the
partial ones (``\\div`` by 0, ``Head(<<>>)``, CHOOSE with no witness, CASE with
no true arm, a function applied outside its domain, a false ``Assert``) so that
evaluation errors are drawn too, plus membership in and functions over infinite
sets, ``ToString`` of any value, numerals in binary, octal and hexadecimal, and
calls of the definitions in ``PRELUDE``. Every compound is parenthesised, so
SANY never meets a precedence conflict, and bound names are ``v<depth>``,
unique along every path, so no definition shadows another.

``specs()`` draws small state machines (1-3 integer, set, sequence, function
or record variables, 1-4 actions, an invariant that may fail, deadlock possible
or not, sometimes a state or action constraint or a VIEW, sometimes fairness
and a liveness property) as a ``GeneratedSpec`` with the module text and cfg.
"""

from __future__ import annotations

from functools import cache

import attrs
from hypothesis import strategies as st

__all__ = ["PRELUDE", "TYPES", "GeneratedSpec", "expressions", "specs"]

# Definitions every generated expression may use (both TLC's module and the
# embedded checker's start with them): RECURSIVE operators, recursive functions
# (one over Nat, which TLC evaluates lazily), user-defined infix operators, an
# operator taking an operator argument, and CASE with OTHER around a CHOOSE.
PRELUDE = """\
RECURSIVE SumSeq(_)
SumSeq(s) == IF s = <<>> THEN 0 ELSE Head(s) + SumSeq(Tail(s))
fact[n \\in 0..6] == IF n = 0 THEN 1 ELSE n * fact[n - 1]
a ** b == (a + b) % 7
a ++ b == a \\cup {b}
Twice(F(_), v) == F(F(v))
Inc(v) == v + 1
RECURSIVE Gcd(_, _)
Gcd(a, b) == IF b = 0 THEN a ELSE Gcd(b, a % b)
Pick(S) == CASE S = {} -> 0 [] OTHER -> CHOOSE e \\in S : \\A f \\in S : e <= f
tri[n \\in Nat] == IF n = 0 THEN 0 ELSE n + tri[n - 1]
"""

S = st.SearchStrategy[str]
Env = tuple[str, ...]
TYPES = ("int", "bool", "iset", "seq", "str", "rec", "fn")
DEPTH = 3


def _lit(n: int) -> str:
    return str(n) if n >= 0 else f"(-{-n})"


def _small_set() -> S:
    """A literal set of at most three small integers (safe under SUBSET and [S -> T])."""
    lits = st.lists(st.integers(-1, 3), max_size=3, unique=True)
    return lits.map(lambda xs: "{" + ", ".join(_lit(x) for x in xs) + "}") | st.tuples(
        st.integers(-1, 2), st.integers(0, 2)
    ).map(lambda ab: f"({_lit(ab[0])}..{_lit(ab[0] + ab[1])})")


def _fmt(template: str, *parts: S) -> S:
    return st.tuples(*parts).map(lambda xs: template.format(*xs))


def _bind(
    env: Env,
    d: int,
    body_ty: str,
    template: str,
    over: S,
) -> S:
    """A binder ``template`` over a fresh integer name, its body drawn with it in scope.

    Names starting with ``!`` in ``env`` are reserved (bound to a non-integer)
    and never drawn as integer leaves; they only keep the numbering unique.
    """
    name = f"v{len(env)}"
    body = gen(body_ty, d - 1, (*env, name))
    return st.tuples(over, body).map(lambda xs: template.format(v=name, s=xs[0], b=xs[1]))


@cache
def gen(ty: str, d: int, env: Env = ()) -> S:
    """An expression of type ``ty`` with at most ``d`` levels of nesting."""
    if ty == "int":
        return _ints(d, env)
    if ty == "bool":
        return _bools(d, env)
    if ty == "iset":
        return _isets(d, env)
    if ty == "seq":
        return _seqs(d, env)
    if ty == "str":
        return _strs(d, env)
    if ty == "rec":
        return _recs(d, env)
    if ty == "fn":
        return _fns(d, env)
    raise ValueError(f"unknown type {ty}")


def _ints(d: int, env: Env) -> S:
    leaves: S = st.integers(-3, 9).map(_lit)
    names = tuple(n for n in env if not n.startswith("!"))
    if names:
        leaves = leaves | st.sampled_from(names)
    if d <= 0:
        return leaves
    i = gen("int", d - 1, env)
    b = gen("bool", d - 1, env)
    s = gen("iset", d - 1, env)
    q = gen("seq", d - 1, env)
    string = gen("str", d - 1, env)
    small = st.integers(-2, 3).map(_lit)
    fresh = f"v{len(env)}"
    return st.one_of(
        leaves,
        _fmt("({} + {})", i, i),
        _fmt("({} - {})", i, i),
        _fmt("({} * {})", i, small),
        _fmt("({} \\div {})", i, i),
        _fmt("({} % {})", i, i),
        _fmt("(-{})", i),
        _fmt("({} ^ {})", st.integers(-2, 4).map(_lit), st.integers(0, 3).map(str)),
        _fmt("Len({})", q),
        _fmt("Len({})", string),
        _fmt("Cardinality({})", s),
        _fmt("Head({})", q),
        _fmt("{}[{}]", q, i),
        _fmt("(IF {} THEN {} ELSE {})", b, i, i),
        _fmt("(CASE {} -> {} [] {} -> {})", b, i, b, i),
        _fmt("(CASE {} -> {} [] OTHER -> {})", b, i, i),
        _bind(env, d, "bool", "(CHOOSE {v} \\in {s} : {b})", s),
        _bind(env, d, "int", "(LET {v} == {s} IN {b})", i),
        _fmt("{}.num", gen("rec", d - 1, env)),
        _fmt("{}[{}]", gen("fn", d - 1, env), i),
        _fmt("Cardinality([{} -> {}])", _small_set(), _small_set()),
        _fmt("Cardinality(SUBSET {})", _small_set()),
        _fmt("Cardinality({} \\X {})", s, _small_set()),
        _fmt("Cardinality(Permutations({}))", _small_set()),
        _fmt("BagCardinality(SetToBag({}))", s),
        _fmt("(<<{}, {}>>[1])", i, string),
        st.sampled_from(["\\b101", "\\B0", "\\o17", "\\O7", "\\hFF", "\\H1a"]),
        _fmt("SumSeq({})", q),
        _fmt("tri[{}]", st.integers(-1, 12).map(_lit)),
        _fmt(f"[{fresh} \\in Nat |-> {fresh} + 1][{{}}]", i),
        _fmt("Cardinality({} \\X {} \\X {})", _small_set(), _small_set(), _small_set()),
        _fmt(
            f"(CHOOSE {fresh} \\in ({{}} \\X {{}} \\X {{}}) : TRUE)[3]",
            s,
            _small_set(),
            _small_set(),
        ),
        _fmt(f"(CHOOSE {fresh} \\in Nat : {fresh} > {{}})", st.integers(0, 3).map(str)),
        st.just("Cardinality(Nat)"),
        _fmt("fact[{}]", i),
        _fmt("({} ** {})", i, i),
        _fmt("Twice(Inc, {})", i),
        _fmt(f"Twice(LAMBDA {fresh} : {fresh} * 2, {{}})", i),
        _fmt("Gcd({}, {})", st.integers(0, 12).map(str), st.integers(0, 12).map(str)),
        _fmt("Pick({})", s),
        # CHOOSE over sets of tuples, sets and records: which element TLC picks
        # is its own order, and real specs' state counts depend on it.
        _fmt(f"(CHOOSE {fresh} \\in ({{}} \\X {{}}) : TRUE)[2]", s, _small_set()),
        _fmt(f"Cardinality(CHOOSE {fresh} \\in SUBSET {{}} : TRUE)", _small_set()),
        _fmt(f'(CHOOSE {fresh} \\in [num : {{}}, name : {{{{"a", "bc"}}}}] : TRUE).num', s),
        _fmt(f"(CHOOSE {fresh} \\in [{{}} -> {{}}] : TRUE)[{{}}]", _small_set(), _small_set(), i),
    )


def _bools(d: int, env: Env) -> S:
    leaves: S = st.sampled_from(["TRUE", "FALSE"])
    if d <= 0:
        return leaves
    fresh = f"v{len(env)}"
    i = gen("int", d - 1, env)
    b = gen("bool", d - 1, env)
    s = gen("iset", d - 1, env)
    q = gen("seq", d - 1, env)
    string = gen("str", d - 1, env)
    return st.one_of(
        leaves,
        _fmt("({} < {})", i, i),
        _fmt("({} <= {})", i, i),
        _fmt("({} = {})", i, i),
        _fmt("({} # {})", i, i),
        _fmt("({} /\\ {})", b, b),
        _fmt("({} \\/ {})", b, b),
        _fmt("(~{})", b),
        _fmt("({} => {})", b, b),
        _fmt("({} <=> {})", b, b),
        _fmt("({} \\in {})", i, s),
        _fmt("({} \\notin {})", i, s),
        _fmt("({} \\subseteq {})", s, s),
        _fmt("({} = {})", s, s),
        _fmt("({} = {})", q, q),
        _fmt("({} = {})", string, string),
        _fmt("({} = {})", gen("rec", d - 1, env), gen("rec", d - 1, env)),
        _fmt("({} = {})", gen("fn", d - 1, env), q),
        _bind(env, d, "bool", "(\\A {v} \\in {s} : {b})", s),
        _bind(env, d, "bool", "(\\E {v} \\in {s} : {b})", s),
        _fmt('Assert({}, "generated")', b),
        _fmt("({} \\in Nat)", i),
        _fmt("({} \\in Seq({}))", q, s),
        _fmt("({} \\in [{} -> {}])", gen("fn", d - 1, env), _small_set(), s),
        _fmt("({} \\in Permutations({}))", gen("fn", d - 1, env), _small_set()),
        _fmt('([num |-> {}, name |-> {}] \\in [num : {}, name : {{"a", "bc"}}])', i, string, s),
        _fmt("IsFiniteSet({})", s),
        st.sampled_from(["IsFiniteSet(Nat)", "(Nat \\subseteq Int)", "((-1) \\in Int \\ Nat)"]),
        _fmt(f"({{}} \\in {{{{{fresh} \\in Nat : {fresh} % 2 = 1}}}})", i),
        _fmt(f"(\\E {fresh} \\in Nat : {fresh} = {{}})", i),
        _fmt("({} \\in SUBSET Int)", s),
        _fmt("({} \\in [num : Int, name : STRING])", gen("rec", d - 1, env)),
        _fmt("(SUBSET {} = {{{}}})", _small_set(), gen("iset", d - 1, env)),
        _fmt("([{} -> {}] = {{{}}})", _small_set(), _small_set(), q),
        _fmt('({} = ("num" :> {} @@ "name" :> {}))', gen("rec", d - 1, env), i, string),
        _fmt("({} = {})", string, q),
        _fmt("({} \\in STRING)", st.one_of(string, i)),
    )


def _isets(d: int, env: Env) -> S:
    leaves = _small_set()
    if d <= 0:
        return leaves
    i = gen("int", d - 1, env)
    s = gen("iset", d - 1, env)
    q = gen("seq", d - 1, env)
    bound = st.integers(-3, 4).map(_lit)
    fresh = f"v{len(env)}"
    # The sequence is also written inside the binder's scope: draw it with the name reserved.
    scoped_q = gen("seq", d - 1, (*env, f"!{fresh}"))
    return st.one_of(
        leaves,
        _fmt("{{{}, {}}}", i, i),
        _fmt("({}..{})", i, bound),
        _fmt("({} \\cup {})", s, s),
        _fmt("({} \\cap {})", s, s),
        _fmt("({} \\ {})", s, s),
        _bind(env, d, "bool", "{{{v} \\in {s} : {b}}}", s),
        _bind(env, d, "int", "{{{b} : {v} \\in {s}}}", s),
        _fmt("(DOMAIN {})", q),
        _fmt("(DOMAIN {})", gen("fn", d - 1, env)),
        _fmt("(UNION {{{}, {}}})", s, s),
        scoped_q.map(lambda x: f"{{({x})[{fresh}] : {fresh} \\in DOMAIN {x}}}"),
        _fmt("BagToSet(SetToBag({}))", s),
        _fmt("({} ++ {})", s, i),
        _fmt("(IF {} THEN {} ELSE {})", gen("bool", d - 1, env), s, s),
    )


def _seqs(d: int, env: Env) -> S:
    lits = st.lists(st.integers(-2, 5), max_size=4)
    leaves: S = lits.map(lambda xs: "<<" + ", ".join(_lit(x) for x in xs) + ">>")
    if d <= 0:
        return leaves
    i = gen("int", d - 1, env)
    q = gen("seq", d - 1, env)
    idx = st.integers(0, 4).map(str)
    # Mostly in bounds: out-of-range SubSeq errors would otherwise dominate.
    lo = st.sampled_from(["1", "1", "2", "0"])
    hi = st.sampled_from(["0", "1", "2", "3"])
    name = f"v{len(env)}"
    other = f"v{len(env) + 1}"
    return st.one_of(
        leaves,
        _fmt("<<{}, {}>>", i, i),
        _fmt("Append({}, {})", q, i),
        _fmt("Tail({})", q),
        _fmt("({} \\o {})", q, q),
        _fmt("SubSeq({}, {}, {})", q, lo, hi),
        _bind(env, d, "bool", "SelectSeq({s}, LAMBDA {v} : {b})", q),
        _fmt(
            f"SortSeq({{}}, LAMBDA {name}, {other} : {name} {{}} {other})",
            q,
            st.sampled_from(["<", ">"]),
        ),
        _bind(env, d, "int", "[{v} \\in 1..{s} |-> {b}]", st.integers(0, 3).map(str)),
        _fmt("[{} EXCEPT ![{}] = @ + {}]", q, idx, i),
        _fmt("(IF {} THEN {} ELSE {})", gen("bool", d - 1, env), q, q),
    )


def _strs(d: int, env: Env) -> S:
    leaves: S = st.sampled_from(['""', '"a"', '"bc"', '"a b"'])
    if d <= 0:
        return leaves
    string = gen("str", d - 1, env)
    fresh = f"v{len(env)}"
    scoped = gen("str", d - 1, (*env, f"!{fresh}"))
    return st.one_of(
        leaves,
        _fmt("({} \\o {})", string, string),
        _fmt("ToString({})", gen("int", d - 1, env)),
        _fmt("Tail({})", string),
        st.sampled_from(TYPES)
        .flatmap(lambda ty: gen(ty, d - 1, env))
        .map(lambda x: f"ToString({x})"),
        _fmt("{}.name", gen("rec", d - 1, env)),
        _fmt("(IF {} THEN {} ELSE {})", gen("bool", d - 1, env), string, string),
        st.permutations(['"bc"', '"a"', '"b"', '"ab"']).map(
            lambda xs: f"(CHOOSE {fresh} \\in {{{', '.join(xs)}}} : TRUE)"
        ),
        scoped.map(lambda x: f'(CHOOSE {fresh} \\in {{"a", "bc"}} : {fresh} # {x})'),
    )


def _recs(d: int, env: Env) -> S:
    i = gen("int", max(d - 1, 0), env)
    string = gen("str", max(d - 1, 0), env)
    leaves = _fmt("[num |-> {}, name |-> {}]", i, string)
    if d <= 0:
        return leaves
    r = gen("rec", d - 1, env)
    return st.one_of(
        leaves,
        _fmt("[{} EXCEPT !.num = @ + {}]", r, i),
        _fmt("[{} EXCEPT !.name = {}]", r, string),
        _fmt("[{} EXCEPT !.num = {}, !.name = @ \\o {}]", r, i, string),
        _fmt("(IF {} THEN {} ELSE {})", gen("bool", d - 1, env), r, r),
    )


def _fns(d: int, env: Env) -> S:
    small = st.integers(-2, 5).map(_lit)
    leaves = _fmt("({} :> {})", small, small)
    if d <= 0:
        return leaves
    i = gen("int", d - 1, env)
    f = gen("fn", d - 1, env)
    s = gen("iset", d - 1, env)
    return st.one_of(
        leaves,
        _bind(env, d, "int", "[{v} \\in {s} |-> {b}]", s),
        _fmt("({} @@ {})", f, f),
        _fmt("[{} EXCEPT ![{}] = @ * 2]", f, i),
        _fmt("({} :> {})", i, i),
        _fmt("(IF {} THEN {} ELSE {})", gen("bool", d - 1, env), f, f),
    )


def expressions(types: tuple[str, ...] = TYPES, depth: int = DEPTH) -> S:
    """A constant TLA+ expression of one of ``types``."""
    return st.sampled_from(types).flatmap(lambda ty: gen(ty, depth))


@attrs.frozen
class GeneratedSpec:
    """A generated module (named ``name``) with its cfg and TLC flags."""

    name: str
    module: str
    cfg: str
    flags: tuple[str, ...] = ()

    def describe(self) -> str:
        flags = f" (TLC flags {' '.join(self.flags)})" if self.flags else ""
        return f"{self.module}\n-- {self.name}.cfg{flags}:\n{self.cfg}"


def specs() -> st.SearchStrategy[GeneratedSpec]:
    """A small state machine: see the module docstring."""
    return _spec()


_INT_ACTIONS = (
    "{v} < {m} /\\ {v}' = {v} + {c}",
    "{v}' = ({v} + {c}) % {m}",
    "{v}' = ({v} * 2) % {m}",
    "{v} > 0 /\\ {v}' = {v} - 1",
    "{v}' \\in {{({v} + 1) % {m}, ({o} + {c}) % {m}}}",
    "{v}' = ({o} + {v}) % {m}",
    "IF {v} < {o} THEN {v}' = {v} + 1 ELSE {v}' = 0",
    "\\E d \\in 1..2 : {v}' = ({v} + d) % {m}",
    "{v} # {o} /\\ {v}' = {o}",
    "{v}' = {c} \\div {v}",
    "IF {v} > 0 THEN {v}' = {v} - 1 ELSE {v}' = {m}",
    "{v}' = ({v} + 1) % {m} \\/ {v}' = 0",
    "({v} = 0 \\/ {v} > {o}) /\\ {v}' = ({v} + {o}) % {m}",
    "LET n == ({v} + {c}) % {m} IN n # {o} /\\ {v}' = n",
    "CASE {v} = 0 -> {v}' = 1 [] {v} = 1 -> {v}' = {m} [] OTHER -> {v}' = 0",
)
_SET_ACTIONS = (
    "{v}' = {v} \\cup {{{c}}}",
    "{v} # {{}} /\\ {v}' = {v} \\ {{CHOOSE e \\in {v} : TRUE}}",
    "{v}' = {{e \\in {v} : e > {o}}}",
    "\\E e \\in 0..{m} : e \\notin {v} /\\ {v}' = {v} \\cup {{e}}",
)
_FN_ACTIONS = (
    "\\E i \\in {{1, 2}} : {v}[i] < {m} /\\ {v}' = [{v} EXCEPT ![i] = @ + 1]",
    "{v}' = [i \\in {{1, 2}} |-> ({v}[i] + {c}) % {m}]",
    "\\E i \\in {{1, 2}} : {v}' = [{v} EXCEPT ![i] = {v}[3 - i]]",
    "{v}[1] # {v}[2] /\\ {v}' = [{v} EXCEPT ![1] = {v}[2], ![2] = {v}[1]]",
)
_REC_ACTIONS = (
    "{v}' = [{v} EXCEPT !.a = (@ + {c}) % {m}]",
    "{v}' = [{v} EXCEPT !.b = ~@]",
    "{v}.b /\\ {v}' = [a |-> {o} % {m}, b |-> FALSE]",
    "{v}.a < {o} /\\ {v}' = [{v} EXCEPT !.a = @ + 1, !.b = TRUE]",
)
_SEQ_ACTIONS = (
    "Len({v}) < 2 /\\ {v}' = Append({v}, {c})",
    "{v} # <<>> /\\ {v}' = Tail({v})",
    "{v}' = Tail({v})",
    "Len({v}) < 2 /\\ {v}' = <<{o} % 3>> \\o {v}",
)


def _as_int(name: str, kind: str) -> str:
    """An integer view of any variable, for guards and invariants."""
    if kind == "set":
        return f"Cardinality({name})"
    if kind == "seq":
        return f"Len({name})"
    if kind == "fn":
        return f"({name}[1] + {name}[2])"
    if kind == "rec":
        return f"{name}.a"
    return name


@st.composite
def _spec(draw: st.DrawFn) -> GeneratedSpec:
    n = draw(st.integers(1, 3))
    names = ["x", "y", "z"][:n]
    kinds = [draw(st.sampled_from(["int", "int", "set", "seq", "fn", "rec"])) for _ in names]
    m = draw(st.integers(2, 4))
    ints = {v: _as_int(v, k) for v, k in zip(names, kinds, strict=True)}
    init = []
    for v, k in zip(names, kinds, strict=True):
        if k == "int":
            init.append(draw(st.sampled_from([f"{v} = 0", f"{v} \\in 0..1", f"{v} = {m - 1}"])))
        elif k == "set":
            init.append(draw(st.sampled_from([f"{v} = {{}}", f"{v} \\in SUBSET {{1, 2}}"])))
        elif k == "seq":
            init.append(draw(st.sampled_from([f"{v} = <<>>", f"{v} = <<1>>"])))
        elif k == "fn":
            init.append(
                draw(
                    st.sampled_from(
                        [f"{v} = [i \\in {{1, 2}} |-> 0]", f"{v} \\in [{{1, 2}} -> 0..1]"]
                    )
                )
            )
        else:
            init.append(
                draw(
                    st.sampled_from(
                        [f"{v} = [a |-> 0, b |-> FALSE]", f"{v} \\in [a : 0..1, b : BOOLEAN]"]
                    )
                )
            )
    actions = []
    for a in range(draw(st.integers(1, 4))):
        idx = draw(st.integers(0, n - 1))
        v, k = names[idx], kinds[idx]
        table = {
            "int": _INT_ACTIONS,
            "set": _SET_ACTIONS,
            "seq": _SEQ_ACTIONS,
            "fn": _FN_ACTIONS,
            "rec": _REC_ACTIONS,
        }[k]
        shape = draw(st.sampled_from(table))
        other = ints[names[draw(st.integers(0, n - 1))]]
        if other == v and k == "int" and n == 1:
            other = "1"
        body = shape.format(v=v, m=m, c=draw(st.integers(1, 2)), o=other)
        rest = [w for w in names if w != v]
        if rest:
            unchanged = rest[0] if len(rest) == 1 else "<<" + ", ".join(rest) + ">>"
            body = f"({body}) /\\ UNCHANGED {unchanged}"
        actions.append((f"A{a}", body))
    total = " + ".join(ints.values())
    invariant = draw(
        st.sampled_from(
            [
                f"{total} < {draw(st.integers(1, 3 * n + 1))}",
                f"{ints[names[0]]} # {draw(st.integers(0, m))}",
                f"{ints[names[-1]]} <= {m}",
                f"\\A i \\in 0..{m} : {ints[names[0]]} # i \\/ i < {m}",
            ]
        )
    )
    if "seq" in kinds and draw(st.booleans()):
        q = names[kinds.index("seq")]
        # Reading q[1] of an empty sequence is an evaluation error in the invariant.
        invariant = draw(st.sampled_from([f"{q}[1] < {m}", f"{q} = <<>> \\/ {q}[1] < {m}"]))
    vars_tuple = "<<" + ", ".join(names) + ">>"
    init_text = " /\\ ".join(init)
    next_text = " \\/ ".join(a for a, _ in actions)
    lines = [
        "---- MODULE {name} ----",
        "EXTENDS Naturals, Sequences, FiniteSets",
        f"VARIABLES {', '.join(names)}",
        f"vars == {vars_tuple}",
        f"Init == {init_text}",
        *(f"{a} == {body}" for a, body in actions),
        f"Next == {next_text}",
        f"Inv == {invariant}",
    ]
    cfg: list[str] = []
    flags: tuple[str, ...] = ()
    live = draw(st.integers(0, 3)) == 0
    if live:
        fair = draw(st.sampled_from([name for name, _ in actions]))
        fairness = draw(
            st.sampled_from(["WF_vars(Next)", f"WF_vars({fair})", f"SF_vars({fair})", "TRUE"])
        )
        target = f"{ints[names[0]]} = {draw(st.integers(0, m))}"
        prop = draw(
            st.sampled_from(
                [
                    f"<>({target})",
                    f"[]<>({target})",
                    f"<>[]({target})",
                    f"({target}) ~> ({ints[names[-1]]} = 0)",
                ]
            )
        )
        lines += [f"Spec == Init /\\ [][Next]_vars /\\ {fairness}", f"Prop == {prop}"]
        cfg += ["SPECIFICATION Spec", "INVARIANT Inv", "PROPERTY Prop"]
    else:
        cfg += ["INIT Init", "NEXT Next", "INVARIANT Inv"]
        extra = draw(st.integers(0, 5))
        if extra == 0:
            lines.append(f"Bound == {total} < {m + 1}")
            cfg.append("CONSTRAINT Bound")
        elif extra == 1:
            lines.append(
                f"Step == {ints[names[0]]}' >= {ints[names[0]]} \\/ {ints[names[-1]]}' = 0"
            )
            cfg.append("ACTION_CONSTRAINT Step")
        elif extra == 2 and n > 1:
            # States that agree on the view are one state for TLC (and must be here).
            lines.append(f"View == <<{names[0]}, {ints[names[-1]]} % 2>>")
            cfg.append("VIEW View")
    deadlock = draw(st.sampled_from(["on", "on", "flag", "cfg"]))
    if deadlock == "flag":
        flags = ("-deadlock",)
    elif deadlock == "cfg":
        cfg.append("CHECK_DEADLOCK FALSE")
    lines.append("====")
    name = "Gen"
    module = "\n".join(lines).replace("{name}", name) + "\n"
    return GeneratedSpec(name, module, "\n".join(cfg) + "\n", flags)
