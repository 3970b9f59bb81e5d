------------------------------ MODULE SmallNat ------------------------------
(***************************************************************************)
(* A type invariant written with Nat and Seq, checked as written (TLC     *)
(* tests membership in the infinite sets) and with the standard operators *)
(* overridden in the cfg (Nat <- Upto, Seq <- ShortSeq), which changes    *)
(* what the invariant means.                                              *)
(***************************************************************************)
\* features: operator-override, infinite-set-membership, seq-membership, seq-ops
EXTENDS Naturals, Sequences

VARIABLES n, hist

Upto == 0..3
ShortSeq(S) == UNION {[1..k -> S] : k \in 0..2}

Init == n = 0 /\ hist = <<>>

Next == /\ n < 4
        /\ n' = n + 1
        /\ hist' = IF Len(hist) < 3 THEN Append(hist, n) ELSE hist

TypeOK == n \in Nat /\ hist \in Seq(0..5)
=============================================================================
