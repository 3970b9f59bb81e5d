---- MODULE UnionInf ----
(***************************************************************************)
(* UNION of a set holding an infinite set ([D -> Int], Int, Seq(S)): TLC  *)
(* tests membership in it without enumerating it.                          *)
(***************************************************************************)
\* features: infinite-sets, union, function-sets, type-invariant
EXTENDS Integers, Sequences
VARIABLES slots, log
Init == /\ slots = [i \in 0..1 |-> 0]
        /\ log = <<>>
Next == \E i \in 0..1, d \in {-1, 2} :
          /\ Len(log) < 3
          /\ slots' = [slots EXCEPT ![i] = @ + d]
          /\ log' = Append(log, d)
TypeOK == /\ slots \in UNION { [0..1 -> Int] }
          /\ log \in UNION { Seq(Int) }
          /\ slots[0] \in UNION { Int }
Bounded == slots \in UNION { [0..1 -> Nat] }
====
