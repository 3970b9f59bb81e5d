------------------------------ MODULE StrayKeys ------------------------------
(***************************************************************************)
(* Found by the differential tests: [f EXCEPT ![k] = e] with k outside    *)
(* DOMAIN f.  TLC leaves f unchanged (printing a warning) instead of      *)
(* failing, so a hit on a stray key is a step back to the same state.    *)
(* Tally counts hits on known keys; Hit may name any key.                *)
(***************************************************************************)
\* features: except-at, except-outside-domain, tlc-specific, differential
EXTENDS Naturals

CONSTANTS Known, Any

VARIABLE tally

Init == tally = [k \in Known |-> 0]

Hit(k) == /\ \A j \in Known : tally[j] < 2
          /\ tally' = [tally EXCEPT ![k] = @ + 1]

Next == \E k \in Any : Hit(k)

Shape == DOMAIN tally = Known
=============================================================================
