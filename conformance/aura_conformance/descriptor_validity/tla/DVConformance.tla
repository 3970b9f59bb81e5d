---------------------------- MODULE DVConformance ----------------------------
(***************************************************************************)
(* The conformance harness's view of DescriptorValidity: the same module   *)
(* with the lookup of every (member, context, peer) as one table, so that  *)
(* the harness can compare the implementation's get_cached_descriptor      *)
(* answers with DVLookup on each projected state.                          *)
(***************************************************************************)
EXTENDS DescriptorValidity

DVLookupTable == [m \in Auth |-> [c \in Ctx |-> [p \in Auth |-> DVLookup(m, c, p)]]]

\* The candidates of every (member, context, peer): a wrong answer is judged
\* against DVChoiceDeterministic with the answer in DVLookup's place.
DVCandidatesTable == [m \in Auth |-> [c \in Ctx |-> [p \in Auth |-> DVCandidates(m, c, p)]]]

\* needs_refresh of every member in every context: a publication when it is
\* FALSE is a refresh the spec does not take (PreparePublishDescriptor disabled).
DVNeedsRefreshTable == [a \in Auth |-> [c \in Ctx |-> DVNeedsRefresh(a, c)]]

(***************************************************************************)
(* DVNoSharedValidFrom is a reachability witness, not a property: the spec *)
(* breaks it.  A publisher revokes its descriptor and publishes again in  *)
(* the same time unit (needs_refresh holds: its own descriptor is         *)
(* revoked); a member that holds both descriptors and not the revocation  *)
(* has two candidates of one valid_from, and only the nonce tells them    *)
(* apart (DVChoiceDeterministic's tie-break).  MC_DVConformance_tie.cfg   *)
(* expects its violation, so the tie stays reachable.                     *)
(***************************************************************************)
DVNoSharedValidFrom ==
    \A m \in Auth, c \in Ctx, p \in Auth :
        \A d1, d2 \in DVCandidates(m, c, p) : d1.from = d2.from => d1 = d2
=============================================================================
