------------------------------ MODULE Chooser ------------------------------
(***************************************************************************)
(* CHOOSE takes the first element in TLC's order of values, which is not  *)
(* alphabetical: strings rank by when TLC first met the word (this        *)
(* module's words, then the cfg's, then its string literals), model       *)
(* values by the cfg's order, records by field names before field values. *)
(***************************************************************************)
\* features: choose, strings, model-values, records, tlc-specific
EXTENDS Naturals, FiniteSets

CONSTANT Procs, Loser

VARIABLES leader, tag, pick, round

zeta == "zeta word"

Tags == {"mid", "alpha", "zeta"}

Init == /\ leader = CHOOSE p \in Procs : TRUE
        /\ tag = CHOOSE s \in Tags : TRUE
        /\ pick = CHOOSE r \in {[a |-> 2, b |-> 1], [a |-> 1, c |-> 0]} : TRUE
        /\ round = 0

Next == /\ round < 3
        /\ round' = round + 1
        /\ leader' = CHOOSE p \in Procs \ {leader} : TRUE
        /\ tag' = CHOOSE s \in Tags \ {tag} : TRUE
        /\ UNCHANGED pick

Expected == /\ tag \in {"zeta", "mid"}
            /\ leader # Loser
            /\ pick.a = 2
Alphabetical == tag = "alpha"
=============================================================================
