---- MODULE MvOrder ----
(***************************************************************************)
(* TLC orders model values before every other value: CHOOSE over a set of  *)
(* strings and model values picks a model value first, and the order in    *)
(* which they are visited decides when the string "go" is reached.         *)
(***************************************************************************)
\* features: model-values, choose, strings, value-order
EXTENDS Naturals, FiniteSets
CONSTANT Agents
Vals == {"go", "wait"} \cup Agents
VARIABLES x, seen
Init == /\ x = CHOOSE v \in Vals : TRUE
        /\ seen = {x}
Next == /\ seen # Vals
        /\ x' = CHOOSE v \in Vals \ seen : TRUE
        /\ seen' = seen \cup {x'}
NotGo == x # "go"
Inv == Cardinality(seen) <= Cardinality(Vals)
====
