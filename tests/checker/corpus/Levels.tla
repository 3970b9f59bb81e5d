------------------------------- MODULE Levels -------------------------------
(***************************************************************************)
(* TLCGet("level"): the level of the state being judged, an initial state *)
(* at 1. A CONSTRAINT bounds the search by it (Levels.cfg: the states of  *)
(* levels 1 to 4), an invariant names the first state too deep            *)
(* (Levels_deep.cfg: a trace of four states). Lvl is a definition, which  *)
(* must not be evaluated once as a constant.                              *)
(***************************************************************************)
\* features: tlcget-level
EXTENDS Naturals, TLC

VARIABLES x, y

Init == x = 0 /\ y = 0
Next == \/ x' = (x + 1) % 7 /\ y' = y
        \/ y' = (y + 1) % 3 /\ x' = x

Lvl == TLCGet("level")
Bounded == Lvl < 5
Shallow == TLCGet("level") <= 3
=============================================================================
