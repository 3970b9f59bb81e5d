------------------------------ MODULE Helpers ------------------------------
(***************************************************************************)
(* Helper module (no cfg).  Only Clip and Spread are exported: LOCAL      *)
(* definitions and a LOCAL INSTANCE stay private to this module, so a     *)
(* module extending Helpers must bring its own arithmetic.               *)
(***************************************************************************)
LOCAL INSTANCE Naturals
LOCAL INSTANCE FiniteSets

LOCAL Lo == 0
LOCAL Hi(cap) == cap - 1

Clip(v, cap) == IF v < Lo THEN Lo ELSE IF v > Hi(cap) THEN Hi(cap) ELSE v

Spread(S) == IF S = {} THEN 0 ELSE Cardinality(S)
=============================================================================
