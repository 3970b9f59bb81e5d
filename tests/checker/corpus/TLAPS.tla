------------------------------- MODULE TLAPS -------------------------------
(***************************************************************************)
(* A stand-in for the proof system's pragma module, which TLC's jar does   *)
(* not carry: a spec that extends TLAPS needs a TLAPS.tla beside it.       *)
(* Pragmas are TRUE; only proofs cite them.                                *)
(***************************************************************************)
SMT == TRUE
SMTT(X) == TRUE
Zenon == TRUE
PTL == TRUE
IsaT(X) == TRUE

THEOREM Excluded == \A p \in BOOLEAN : p \/ ~p
OBVIOUS
-----------------------------------------------------------------------------
AllProvers == TRUE
=============================================================================
