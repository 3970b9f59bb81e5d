-------------------------------- MODULE Cell --------------------------------
(***************************************************************************)
(* A write-once cell whose empty value is NoVal == CHOOSE v : v \notin Val,*)
(* the usual idiom for "a value that is not a value".  TLC cannot         *)
(* evaluate an unbounded CHOOSE, so the cfg replaces NoVal by a model     *)
(* value (Cell.cfg); without that TLC stops with an error (Cell_raw.cfg). *)
(***************************************************************************)
\* features: unbounded-choose, model-values, definition-override
EXTENDS Naturals

CONSTANT Val

NoVal == CHOOSE v : v \notin Val

VARIABLE cell

Init == cell = NoVal

Write == \E v \in Val : cell = NoVal /\ cell' = v

Erase == cell # NoVal /\ cell' = NoVal

Next == Write \/ Erase

TypeOK == cell \in Val \cup {NoVal}
Empty == cell = NoVal
=============================================================================
