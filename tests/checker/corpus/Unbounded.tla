----------------------------- MODULE Unbounded -----------------------------
(***************************************************************************)
(* Type invariants that test membership in infinite sets: Nat, Int,       *)
(* Seq(S), [S -> Nat], [a : Int], SUBSET Nat and STRING.  TLC decides     *)
(* these without enumerating the sets; the state space itself is small.  *)
(***************************************************************************)
\* features: infinite-set-membership, function-set, record-set, seq-membership, powerset, strings, negative-numbers
EXTENDS Integers, Sequences

VARIABLES n, f, log, rec, tag

Keys == {"k1", "k2"}

Init == /\ n = 0
        /\ f = [k \in Keys |-> 0]
        /\ log = <<>>
        /\ rec = [lo |-> 0, hi |-> 0]
        /\ tag = "start"

Up == /\ n < 2
      /\ n' = n + 1
      /\ \E k \in Keys : f' = [f EXCEPT ![k] = @ + 1]
      /\ log' = Append(log, n)
      /\ rec' = [rec EXCEPT !.hi = @ + 1]
      /\ tag' = "up"

Down == /\ n > -2
        /\ n' = n - 1
        /\ UNCHANGED <<f, log>>
        /\ rec' = [rec EXCEPT !.lo = @ - 1]
        /\ tag' = "down"

Next == Up \/ Down

TypeOK == /\ n \in Int
          /\ f \in [Keys -> Nat]
          /\ log \in Seq(Int)
          /\ rec \in [lo : Int, hi : Nat]
          /\ tag \in STRING
          /\ {n * n} \in SUBSET Nat

Natural == n \in Nat

Short == Len(log) < 3 /\ rec.lo > -4
=============================================================================
