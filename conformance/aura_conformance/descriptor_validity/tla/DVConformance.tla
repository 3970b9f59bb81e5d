---------------------------- MODULE DVConformance ----------------------------
(***************************************************************************)
(* The conformance harness's view of DescriptorValidity: the same module   *)
(* with the lookup of every (member, context, peer) as one table, so that  *)
(* the harness can compare the implementation's get_cached_descriptor      *)
(* answers with DVLookup on each projected state.                          *)
(***************************************************************************)
EXTENDS DescriptorValidity

DVLookupTable == [m \in Auth |-> [c \in Ctx |-> [p \in Auth |-> DVLookup(m, c, p)]]]
=============================================================================
