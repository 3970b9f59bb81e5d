------------------------------ MODULE WallClock ------------------------------
(***************************************************************************)
(* A twelve-hour wall clock with a separate AM/PM flag.  Separator lines   *)
(* split the module into sections, and a THEOREM states the type           *)
(* invariant; TLC ignores theorems.                                        *)
(***************************************************************************)
\* features: separator-line, theorem, if-then-else, strings, unchanged
EXTENDS Naturals

VARIABLES hour, half
-----------------------------------------------------------------------------
vars == <<hour, half>>

TypeOK == hour \in 1..12 /\ half \in {"AM", "PM"}

Init == hour = 12 /\ half = "AM"
----
Tick == /\ hour' = IF hour = 12 THEN 1 ELSE hour + 1
        /\ half' = IF hour = 11 THEN (IF half = "AM" THEN "PM" ELSE "AM") ELSE half

Next == Tick
-----------------------------------------------------------------------------
Spec == Init /\ [][Next]_vars

\* Wrong on purpose: the clock does reach 12 in the afternoon.
NoNoonPM == ~(hour = 12 /\ half = "PM")

THEOREM Spec => []TypeOK
=============================================================================
