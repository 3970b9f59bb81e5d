"""Between the Z3 twins and the embedded TLA+ checker's values.

``encode`` turns a concrete state of a TLA+ module (checker values: ints,
strings, ``ModelValue``, frozensets, functions, records, sequences) into Z3
terms of the twin; ``decode`` turns a Z3 model's state of the twin back into
checker values, with the domains of the TLC model (``MaxEpoch``, the roster).
The agreement test uses both directions to ask the two models the same
question: is this pair of states a ``Next`` step?
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import z3

from aura_model.z3.framework import State, TransitionSystem, Z3ModelError, array_true_keys
from aura_model.z3.models.descriptor_validity import (
    _ACCESSOR,
    DV_AUTH,
    DV_CTX,
    FACT_FIELDS,
    OUTSIDER,
    dv_sorts,
)
from aura_model.z3.models.epoch_rotation import INI, RESP, er_sorts
from aura_model.z3.models.guard_chain import GC_AUTH, gc_sorts

__all__ = ["Bridge", "DVBridge", "ERBridge", "GCBridge", "sample_reachable_steps"]


def _values() -> Any:
    from aura_model.tla import values

    return values


def _mv(name: str) -> Any:
    return _values().ModelValue(name)


def _fn(d: Mapping[Any, Any]) -> Any:
    return _values().fn(d)


def _rec(**fields: Any) -> Any:
    return _values().record(**fields)


def _items(f: Any) -> dict[Any, Any]:
    return dict(_values().fn_as_dict(f))


def _ev(m: Any, e: Any) -> Any:
    v = m.eval(e, model_completion=True)
    if z3.is_true(v):
        return True
    if z3.is_false(v):
        return False
    if z3.is_int_value(v):
        return v.as_long()
    return str(v)


class Bridge:
    """Encode/decode one module's states; subclasses know its variables."""

    def encode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def decode(self, model: Any, s: State) -> dict[str, Any]:
        raise NotImplementedError


_FACT_FIELDS = ("src", "dst", "epoch", "nonce", "cost")


class GCBridge(Bridge):
    """``spec/GuardChain.tla`` with ``Auth = {a1, a2}``, ``NoAuth``, epochs
    ``0..max_epoch``."""

    def __init__(self, max_epoch: int) -> None:
        self.max_epoch = max_epoch
        self.S = gc_sorts()

    def _auth(self, v: Any) -> Any:
        return self.S.auth[v.name]

    def _name(self, m: Any, e: Any) -> Any:
        return _mv(str(m.eval(e, model_completion=True)))

    def encode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        S, ii = self.S, z3.IntSort()
        A, F, R, E, L = S.auth, S.fact, S.receipt, S.entry, S.log
        no_auth = A["NoAuth"]

        def per_epoch(f: Any) -> Any:
            arr = z3.K(A.sort, z3.K(ii, z3.IntVal(0)))
            for a, by_e in _items(f).items():
                inner = z3.K(ii, z3.IntVal(0))
                for e, v in _items(by_e).items():
                    inner = z3.Store(inner, e, v)
                arr = z3.Store(arr, self._auth(a), inner)
            return arr

        def fact(r: Any) -> Any:
            d = _items(r)
            return F.fact(
                self._auth(d["src"]), self._auth(d["dst"]), d["epoch"], d["nonce"], d["cost"]
            )

        def receipt(r: Any) -> Any:
            d = _items(r)
            return R.receipt(
                self._auth(d["src"]),
                self._auth(d["dst"]),
                d["epoch"],
                d["nonce"],
                d["prev"],
                d["cost"],
                self._auth(d["signer"]),
            )

        def entry(r: Any) -> Any:
            d = _items(r)
            return E.entry(
                self._auth(d["src"]),
                d["epoch"],
                d["nonce"],
                d["prev"],
                self._auth(d["signer"]),
                d["at"],
            )

        def set_of(xs: Any, mk: Any, sort: Any) -> Any:
            arr = z3.K(sort, z3.BoolVal(False))
            for x in xs:
                arr = z3.Store(arr, mk(x), True)
            return arr

        default_entry = E.entry(no_auth, 0, 0, 0, no_auth, 0)
        rlog = z3.K(A.sort, L.log(0, z3.K(ii, default_entry)))
        for d, entries in _items(state["rlog"]).items():
            items = z3.K(ii, default_entry)
            for i, x in enumerate(entries, start=1):
                items = z3.Store(items, i, entry(x))
            rlog = z3.Store(rlog, self._auth(d), L.log(len(entries), items))
        accepted = z3.K(A.sort, z3.K(A.sort, z3.IntVal(0)))
        for d, by_s in _items(state["accepted"]).items():
            inner = z3.K(A.sort, z3.IntVal(0))
            for s_, v in _items(by_s).items():
                inner = z3.Store(inner, self._auth(s_), v)
            accepted = z3.Store(accepted, self._auth(d), inner)
        none_issued = z3.K(ii, z3.BoolVal(False))
        issued = z3.K(A.sort, z3.K(A.sort, none_issued))
        for a, by_d in _items(state["issued"]).items():
            inner = z3.K(A.sort, none_issued)
            for d_, nonces in _items(by_d).items():
                inner = z3.Store(inner, self._auth(d_), set_of(nonces, z3.IntVal, ii))
            issued = z3.Store(issued, self._auth(a), inner)
        next_nonce = z3.K(A.sort, z3.K(A.sort, z3.IntVal(1)))
        for a, by_d in _items(state["nextNonce"]).items():
            inner = z3.K(A.sort, z3.IntVal(1))
            for d_, v in _items(by_d).items():
                inner = z3.Store(inner, self._auth(d_), v)
            next_nonce = z3.Store(next_nonce, self._auth(a), inner)
        return {
            "epoch": z3.IntVal(state["epoch"]),
            "spent": per_epoch(state["spent"]),
            "committed": per_epoch(state["committed"]),
            "phase": S.phase[state["phase"]],
            "pAuth": self._auth(state["pAuth"]),
            "pDst": self._auth(state["pDst"]),
            "pCost": z3.IntVal(state["pCost"]),
            "pEpoch": z3.IntVal(state["pEpoch"]),
            "charged": z3.BoolVal(state["charged"]),
            "journal": set_of(state["journal"], fact, F),
            "nextNonce": next_nonce,
            "wire": set_of(state["wire"], receipt, R),
            "accepted": accepted,
            "rlog": rlog,
            "denials": set_of(state["denials"], lambda r: S.reason[r], S.reason.sort),
            "chan": set_of(state["chan"], fact, F),
            "issued": issued,
        }

    def decode(self, model: Any, s: State) -> dict[str, Any]:
        S = self.S
        roster = [S.auth[a] for a in GC_AUTH]
        epochs = range(self.max_epoch + 1)
        m = model

        def per_epoch(arr: Any) -> Any:
            return _fn({_mv(str(a)): _fn({e: _ev(m, arr[a][e]) for e in epochs}) for a in roster})

        def record_set(arr: Any, dt: Any, fields: Sequence[str], auth_fields: set[str]) -> Any:
            out = set()
            for k in array_true_keys(m, arr):
                vals = {
                    f: (
                        self._name(m, getattr(dt, f)(k))
                        if f in auth_fields
                        else _ev(m, getattr(dt, f)(k))
                    )
                    for f in fields
                }
                out.add(_rec(**vals))
            return frozenset(out)

        rlog = {}
        for d in roster:
            log = s["rlog"][d]
            n = m.eval(S.log.len(log), True).as_long()
            entries = []
            for i in range(1, n + 1):
                x = S.log.items(log)[i]
                entries.append(
                    _rec(
                        src=self._name(m, S.entry.src(x)),
                        epoch=_ev(m, S.entry.epoch(x)),
                        nonce=_ev(m, S.entry.nonce(x)),
                        prev=_ev(m, S.entry.prev(x)),
                        signer=self._name(m, S.entry.signer(x)),
                        at=_ev(m, S.entry.at(x)),
                    )
                )
            rlog[_mv(str(d))] = tuple(entries)
        return {
            "epoch": _ev(m, s["epoch"]),
            "spent": per_epoch(s["spent"]),
            "committed": per_epoch(s["committed"]),
            "phase": _ev(m, s["phase"]),
            "pAuth": self._name(m, s["pAuth"]),
            "pDst": self._name(m, s["pDst"]),
            "pCost": _ev(m, s["pCost"]),
            "pEpoch": _ev(m, s["pEpoch"]),
            "charged": _ev(m, s["charged"]),
            "journal": record_set(s["journal"], S.fact, _FACT_FIELDS, {"src", "dst"}),
            "chan": record_set(s["chan"], S.fact, _FACT_FIELDS, {"src", "dst"}),
            "issued": _fn(
                {
                    _mv(str(a)): _fn(
                        {
                            _mv(str(d)): frozenset(
                                n
                                for n in range(1, _ev(m, s["nextNonce"][a][d]) + 1)
                                if z3.is_true(m.eval(s["issued"][a][d][n], True))
                            )
                            for d in roster
                        }
                    )
                    for a in roster
                }
            ),
            "nextNonce": _fn(
                {
                    _mv(str(a)): _fn({_mv(str(d)): _ev(m, s["nextNonce"][a][d]) for d in roster})
                    for a in roster
                }
            ),
            "wire": record_set(
                s["wire"],
                S.receipt,
                ("src", "dst", "epoch", "nonce", "prev", "cost", "signer"),
                {"src", "dst", "signer"},
            ),
            "accepted": _fn(
                {
                    _mv(str(d)): _fn({_mv(str(a)): _ev(m, s["accepted"][d][a]) for a in roster})
                    for d in roster
                }
            ),
            "rlog": _fn(rlog),
            "denials": frozenset(
                r
                for r in ("MissingCapability", "InsufficientBudget")
                if z3.is_true(m.eval(s["denials"][S.reason[r]], True))
            ),
        }


class DVBridge(Bridge):
    """``spec/DescriptorValidity.tla`` with ``Auth = {a1, a2}``, ``eve``,
    ``Ctx = {c1, c2}``."""

    def __init__(self) -> None:
        self.S = dv_sorts()

    def _fact(self, r: Any) -> Any:
        S = self.S
        d = _items(r)
        return S.fact.fact(
            S.kind[d["kind"]],
            S.auth[d["auth"].name],
            S.ctx[d["ctx"].name],
            d["from"],
            d["until"],
            d["nonce"],
            S.auth[d["by"].name],
        )

    def _set(self, xs: Any) -> Any:
        arr = z3.K(self.S.fact, z3.BoolVal(False))
        for x in xs:
            arr = z3.Store(arr, self._fact(x), True)
        return arr

    def encode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        S = self.S
        empty = z3.K(S.fact, z3.BoolVal(False))
        journal = z3.K(S.auth.sort, empty)
        for m, facts in _items(state["journal"]).items():
            journal = z3.Store(journal, S.auth[m.name], self._set(facts))
        next_nonce = z3.K(S.auth.sort, z3.IntVal(1))
        for a, v in _items(state["nextNonce"]).items():
            next_nonce = z3.Store(next_nonce, S.auth[a.name], v)
        seen = z3.K(S.auth.sort, z3.K(S.ctx.sort, z3.K(S.auth.sort, empty)))
        for m, by_c in _items(state["lastSeen"]).items():
            per_c = z3.K(S.ctx.sort, z3.K(S.auth.sort, empty))
            for c, by_p in _items(by_c).items():
                per_p = z3.K(S.auth.sort, empty)
                for p, facts in _items(by_p).items():
                    per_p = z3.Store(per_p, S.auth[p.name], self._set(facts))
                per_c = z3.Store(per_c, S.ctx[c.name], per_p)
            seen = z3.Store(seen, S.auth[m.name], per_c)
        exhausted = z3.K(S.auth.sort, z3.BoolVal(False))
        for a, v in _items(state["exhausted"]).items():
            exhausted = z3.Store(exhausted, S.auth[a.name], z3.BoolVal(v))
        horizon = z3.K(S.auth.sort, z3.IntVal(0))
        for a, v in _items(state["horizon"]).items():
            horizon = z3.Store(horizon, S.auth[a.name], v)
        return {
            "now": z3.IntVal(state["now"]),
            "journal": journal,
            "nextNonce": next_nonce,
            "lastSeen": seen,
            "exhausted": exhausted,
            "horizon": horizon,
        }

    def decode(self, model: Any, s: State) -> dict[str, Any]:
        S, m = self.S, model

        def facts(arr: Any) -> Any:
            out = set()
            for k in array_true_keys(m, arr):
                vals = {}
                for f in FACT_FIELDS:
                    v = m.eval(getattr(S.fact, _ACCESSOR[f])(k), model_completion=True)
                    if f in ("auth", "ctx", "by"):
                        vals[f] = _mv(str(v))
                    elif f == "kind":
                        vals[f] = str(v)
                    else:
                        vals[f] = v.as_long()
                out.add(_rec(**vals))
            return frozenset(out)

        members = [*DV_AUTH, OUTSIDER]
        return {
            "now": _ev(m, s["now"]),
            "journal": _fn({_mv(a): facts(s["journal"][S.auth[a]]) for a in members}),
            "nextNonce": _fn({_mv(a): _ev(m, s["nextNonce"][S.auth[a]]) for a in DV_AUTH}),
            "exhausted": _fn(
                {_mv(a): z3.is_true(m.eval(s["exhausted"][S.auth[a]], True)) for a in DV_AUTH}
            ),
            "horizon": _fn({_mv(a): _ev(m, s["horizon"][S.auth[a]]) for a in DV_AUTH}),
            "lastSeen": _fn(
                {
                    _mv(a): _fn(
                        {
                            _mv(c): _fn(
                                {
                                    _mv(p): facts(s["lastSeen"][S.auth[a]][S.ctx[c]][S.auth[p]])
                                    for p in DV_AUTH
                                }
                            )
                            for c in DV_CTX
                        }
                    )
                    for a in DV_AUTH
                }
            ),
        }


class ERBridge(Bridge):
    """``spec/EpochRotation.tla`` with ``Ini = a1``, ``Resp = a2``."""

    def __init__(self) -> None:
        self.S = er_sorts()

    def encode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        S, ii = self.S, z3.IntSort()
        A = S.auth

        def a(v: Any) -> Any:
            return A[v.name]

        def per_auth(f: Any, default: Any, inner: Any) -> Any:
            arr = z3.K(A.sort, default)
            for k, v in _items(f).items():
                arr = z3.Store(arr, a(k), inner(v))
            return arr

        def chan(r: Any) -> Any:
            d = _items(r)
            return S.chan.chan(S.st[d["st"]], d["ep"], d["id"], d["psk"])

        def set_of(xs: Any, mk: Any, sort: Any) -> Any:
            arr = z3.K(sort, z3.BoolVal(False))
            for x in xs:
                arr = z3.Store(arr, mk(x), True)
            return arr

        def msg(r: Any) -> Any:
            d = _items(r)
            return S.msg.msg(
                S.type[d["type"]], a(d["src"]), a(d["dst"]), d["ep"], d["id"], d["psk"]
            )

        def est(r: Any) -> Any:
            d = _items(r)
            return S.est.est(a(d["ini"]), a(d["resp"]), d["id"], d["ep"])

        def rcv(r: Any) -> Any:
            d = _items(r)
            return S.rcv.rcv(d["id"], d["ep"], d["at"])

        no_chan = S.chan.chan(S.st["None"], 0, 0, 0)
        items = z3.K(ii, z3.IntVal(0))
        for i, x in enumerate(state["respLog"], start=1):
            items = z3.Store(items, i, x)
        empty_ints = z3.K(ii, z3.BoolVal(False))
        return {
            "epoch": per_auth(state["epoch"], z3.IntVal(0), z3.IntVal),
            "chan": per_auth(
                state["chan"], z3.K(A.sort, no_chan), lambda f: per_auth(f, no_chan, chan)
            ),
            "nextId": z3.IntVal(state["nextId"]),
            "lastTs": per_auth(
                state["lastTs"],
                z3.K(A.sort, z3.IntVal(0)),
                lambda f: per_auth(f, z3.IntVal(0), z3.IntVal),
            ),
            "msgs": set_of(state["msgs"], msg, S.msg),
            "respLog": S.log.log(len(state["respLog"]), items),
            "confirmed": set_of(state["confirmed"], z3.IntVal, ii),
            "established": set_of(state["established"], est, S.est),
            "closed": per_auth(state["closed"], empty_ints, lambda xs: set_of(xs, z3.IntVal, ii)),
            "received": set_of(state["received"], rcv, S.rcv),
            "iniLog": set_of(state["iniLog"], msg, S.msg),
            "mistyped": z3.BoolVal(state["mistyped"]),
        }

    def decode(self, model: Any, s: State) -> dict[str, Any]:
        S, m = self.S, model
        auth = [S.auth[INI], S.auth[RESP]]

        def name(e: Any) -> Any:
            return _mv(str(m.eval(e, model_completion=True)))

        def chan(c: Any) -> Any:
            return _rec(
                st=str(m.eval(S.chan.st(c), True)),
                ep=_ev(m, S.chan.ep(c)),
                id=_ev(m, S.chan.id(c)),
                psk=_ev(m, S.chan.psk(c)),
            )

        def ints(arr: Any) -> Any:
            return frozenset(_ev(m, k) for k in array_true_keys(m, arr))

        def msgs(arr: Any) -> Any:
            return frozenset(
                _rec(
                    type=str(m.eval(S.msg.type(k), True)),
                    src=name(S.msg.src(k)),
                    dst=name(S.msg.dst(k)),
                    ep=_ev(m, S.msg.ep(k)),
                    id=_ev(m, S.msg.id(k)),
                    psk=_ev(m, S.msg.psk(k)),
                )
                for k in array_true_keys(m, arr)
            )

        est = frozenset(
            _rec(
                ini=name(S.est.ini(k)),
                resp=name(S.est.resp(k)),
                id=_ev(m, S.est.id(k)),
                ep=_ev(m, S.est.ep(k)),
            )
            for k in array_true_keys(m, s["established"])
        )
        rcv = frozenset(
            _rec(id=_ev(m, S.rcv.id(k)), ep=_ev(m, S.rcv.ep(k)), at=_ev(m, S.rcv.at(k)))
            for k in array_true_keys(m, s["received"])
        )
        n = m.eval(S.log.len(s["respLog"]), True).as_long()
        return {
            "epoch": _fn({_mv(str(a)): _ev(m, s["epoch"][a]) for a in auth}),
            "chan": _fn(
                {_mv(str(a)): _fn({_mv(str(b)): chan(s["chan"][a][b]) for b in auth}) for a in auth}
            ),
            "nextId": _ev(m, s["nextId"]),
            "lastTs": _fn(
                {
                    _mv(str(a)): _fn({_mv(str(b)): _ev(m, s["lastTs"][a][b]) for b in auth})
                    for a in auth
                }
            ),
            "msgs": msgs(s["msgs"]),
            "respLog": tuple(_ev(m, S.log.items(s["respLog"])[i]) for i in range(1, n + 1)),
            "confirmed": ints(s["confirmed"]),
            "established": est,
            "closed": _fn({_mv(str(a)): ints(s["closed"][a]) for a in auth}),
            "received": rcv,
            "iniLog": msgs(s["iniLog"]),
            "mistyped": _ev(m, s["mistyped"]),
        }


def sample_reachable_steps(
    ts: TransitionSystem,
    bridge: Bridge,
    max_depth: int,
    *,
    per_action: int = 2,
    prefixes: Mapping[str, Sequence[str]] | None = None,
    skip: Sequence[str] = (),
) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """Steps of the twin from reachable states: for each action (but
    ``skip``) and each depth ``1..max_depth`` (or along its prefix of
    actions), up to ``per_action`` distinct paths from Init whose last step
    is that action; returns (state, next, action) decoded to checker values."""
    out: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    prefixes = prefixes or {}
    for action in ts.actions:
        if action in skip:
            continue
        prefix = prefixes.get(action)
        depths = range(1, max_depth + 1) if prefix is None else [len(prefix) + 1]
        for depth in depths:
            schedule = None if prefix is None else list(prefix)
            states, steps, _ = ts._path(depth - 1, f"smp{action}{depth}", schedule)
            states.append(ts.state(f"smp{action}{depth}last"))
            p = ts.params(action, f"smp{depth}")
            solver = ts.new_solver()
            solver.add(
                *(ts.search_axioms(x, f"smp{i}") for i, x in enumerate(states)),
                ts.init(states[0]),
                *steps[: depth - 1],
                ts.action_formula(action, states[depth - 1], states[depth], p),
            )
            found = 0
            while found < per_action and solver.check() == z3.sat:
                model = solver.model()
                pre = bridge.decode(model, states[depth - 1])
                post = bridge.decode(model, states[depth])
                out.append((pre, post, action))
                found += 1
                solver.add(
                    z3.Or(
                        *(
                            states[depth][v] != model.eval(states[depth][v], True)
                            for v in ts.variables
                        )
                    )
                )
            if found:
                break
    if not out:
        raise Z3ModelError(f"{ts.name}: no reachable step sampled")
    return out
