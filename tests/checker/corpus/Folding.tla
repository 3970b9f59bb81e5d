------------------------------ MODULE Folding ------------------------------
(***************************************************************************)
(* CONSTANT operators: Combine(_, _) and Unit are given in the cfg by      *)
(* substitution (Combine <- Plus, Unit <- Zero, or Combine <- Times).     *)
(* A running fold over the values typed so far must equal a recursive    *)
(* fold of the whole history.                                             *)
(***************************************************************************)
\* features: operator-constant, higher-order, recursive-operator, seq-ops, operator-substitution
EXTENDS Naturals, Sequences

CONSTANTS Combine(_, _), Unit, Vals, MaxLen

Plus(a, b) == a + b
Times(a, b) == a * b
Zero == 0
One == 1
Pick(a, b) == IF a > b THEN a ELSE b

RECURSIVE FoldSeq(_, _, _)
FoldSeq(Op(_, _), u, s) == IF s = <<>> THEN u ELSE Op(FoldSeq(Op, u, Tail(s)), Head(s))

VARIABLES hist, acc

Init == hist = <<>> /\ acc = Unit

Next == /\ Len(hist) < MaxLen
        /\ \E v \in Vals : /\ hist' = Append(hist, v)
                           /\ acc' = Combine(acc, v)

Agrees == acc = FoldSeq(Combine, Unit, hist)

Small == acc < 6
=============================================================================
