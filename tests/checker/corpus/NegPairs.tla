---- MODULE NegPairs ----
(***************************************************************************)
(* States that differ only in where -1 and -2 sit inside a function with   *)
(* domain 0..1 or a set of pairs: in CPython hash(-1) = hash(-2), so these *)
(* must still count as distinct states.                                    *)
(***************************************************************************)
\* features: fingerprints, negative-integers, functions, sets-of-tuples
EXTENDS Integers
VARIABLES f, s
Vals == {-1, -2}
Cardinality(S) == LET c[T \in SUBSET S] == IF T = {} THEN 0
                                           ELSE 1 + c[T \ {CHOOSE x \in T : TRUE}]
                  IN c[S]
Init == /\ f = [i \in 0..1 |-> 0]
        /\ s = {}
Next == \E i \in 0..1, v \in Vals, p \in Vals \X Vals :
          /\ f' = [f EXCEPT ![i] = v]
          /\ s' = IF s = {} THEN {p} ELSE s \cup {p}
Inv == Cardinality(s) <= 4
Few == Cardinality(s) <= 2
====
