------------------------------ MODULE Privacy ------------------------------
(***************************************************************************)
(* Uses Helpers, whose LOCAL definitions (and its LOCAL INSTANCE of       *)
(* Naturals) are not visible here; Privacy therefore EXTENDS Integers     *)
(* itself.  Its own Lo is a different operator from Helpers' local Lo.    *)
(***************************************************************************)
\* features: local-definition, local-instance, extends-local, multi-module, set-ops
EXTENDS Helpers, Integers

Lo == -1

VARIABLES level, seen

Init == level = 0 /\ seen = {0}

Move(d) == /\ level' = Clip(level + d, 4)
           /\ seen' = seen \cup {level'}

Next == Move(1) \/ Move(-1) \/ Move(3)

InRange == level \in 0..3 /\ Lo = -1
SomeSeen == Spread(seen) <= 4
FewSeen == Spread(seen) < 4
=============================================================================
