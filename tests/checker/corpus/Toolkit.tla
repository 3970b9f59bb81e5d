------------------------------ MODULE Toolkit ------------------------------
(***************************************************************************)
(* The TLC module's operators: :> and @@ to build a ranking, Permutations *)
(* and SortSeq to order it, ToString for labels, Assert as an invariant   *)
(* that must hold.  A sorted sequence of scores is kept in step with a    *)
(* score table.                                                           *)
(***************************************************************************)
\* features: tlc-module, tlc-colon-gt, tlc-at-at, permutations, sortseq, tostring, assert, lambda, function-constructor, domain
EXTENDS Naturals, Sequences, FiniteSets, TLC

VARIABLES score, order

Players == {"p1", "p2", "p3"}

Seat == ("p1" :> 1) @@ ("p2" :> 2) @@ ("p3" :> 3) @@ ("p1" :> 99)

Init == /\ score = [p \in Players |-> 0]
        /\ order = <<0, 0, 0>>

Win(p) == /\ score[p] < 2
          /\ score' = [score EXCEPT ![p] = @ + 1]
          /\ order' = SortSeq([i \in 1..3 |-> score'[CHOOSE q \in Players : Seat[q] = i]],
                              LAMBDA a, b : a > b)

Next == \E p \in Players : Win(p)

Ranked == \A i \in 1..2 : order[i] >= order[i + 1]

Checked == Assert(\A p \in Players : score[p] <= 2, "score above two")

Orders == /\ Cardinality(Permutations(Players)) = 6
          /\ \E f \in Permutations(Players) : f["p1"] = "p2"

Labels == /\ ToString(score["p1"]) \in {"0", "1", "2"}
          /\ Seat["p1"] = 1
          /\ DOMAIN Seat = Players
          /\ ToString(<<1, "a">>) = "<<1, \"a\">>"

Sum == score["p1"] + score["p2"] + score["p3"]

Limited == Assert(Sum < 4, "four points in play")
=============================================================================
