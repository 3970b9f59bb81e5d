------------------------------ MODULE Printing ------------------------------
(***************************************************************************)
(* Found by the differential tests: how TLC turns values into text       *)
(* (ToString) and which comparisons it refuses.  TLC prints a record's   *)
(* fields in the order their names first occur in the spec (here num    *)
(* before name), and comparing a string with a sequence is an error, not *)
(* FALSE.                                                                 *)
(***************************************************************************)
\* features: tostring, records, strings, tlc-specific, eval-error, differential
EXTENDS Naturals, Sequences, TLC

CONSTANT Strict

VARIABLE r

Init == r = [num |-> 0, name |-> "a"]

Next == /\ r.num < 2
        /\ r' = [r EXCEPT !.num = @ + 1]
        /\ Strict => r.name # <<>>

Shown == ToString(r) = "[num |-> " \o ToString(r.num) \o ", name |-> \"a\"]"

Typed == r.num \in 0..2
=============================================================================
