------------------------------- MODULE Limits -------------------------------
(***************************************************************************)
(* Found by probing TLC's edges beside the differential tests: Tail of a  *)
(* string is the string without its first character; integers are 32-bit *)
(* in TLC, so a doubling counter overflows ("Overflow when computing");    *)
(* and asking whether a number is in STRING is an error, not FALSE.       *)
(* Mode picks which of the three the cfg exercises.                       *)
(***************************************************************************)
\* features: strings, seq-ops, arith, tlc-specific, eval-error, differential
EXTENDS Naturals, Sequences

CONSTANT Mode

VARIABLES word, big

Init == word = "abc" /\ big = 1073741824

Shorten == Mode = "tail" /\ word # "" /\ word' = Tail(word) /\ UNCHANGED big

Double == Mode = "overflow" /\ big' = big * 2 /\ UNCHANGED word

Typed == Mode # "string" \/ big \notin STRING

Next == Shorten \/ Double
=============================================================================
