------------------------------- MODULE Params -------------------------------
(***************************************************************************)
(* ASSUME and ASSUMPTION, named and unnamed, over constants of several    *)
(* kinds (a number, a set of strings, a Boolean).  Params_bad.cfg makes   *)
(* the second assumption false, and TLC stops before exploring.           *)
(***************************************************************************)
\* features: assume, named-assume, assumption-keyword, strings, boolean, cardinality, powerset
EXTENDS Naturals, FiniteSets

CONSTANTS Width, Colours, Wrap

ASSUME Width \in 1..4

ASSUMPTION ColoursOk == Cardinality(Colours) >= 2 /\ Colours \subseteq {"red", "green", "blue"}

ASSUME WrapOk == Wrap \in BOOLEAN

ASSUME \E S \in SUBSET Colours : Cardinality(S) = 1

VARIABLES pos, paint

Init == pos = 0 /\ paint \in Colours

Step == /\ pos' = IF Wrap THEN (pos + 1) % Width ELSE IF pos < Width - 1 THEN pos + 1 ELSE pos
        /\ paint' \in Colours \ {paint}

Next == Step

TypeOK == pos \in 0..(Width - 1) /\ paint \in Colours
=============================================================================
