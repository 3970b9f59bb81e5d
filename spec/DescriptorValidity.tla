------------------------- MODULE DescriptorValidity -------------------------
(***************************************************************************)
(* Rendezvous descriptors in the context journals (DESIGN.md sections 2,   *)
(* 3).                                                                     *)
(*                                                                         *)
(* A publisher puts a descriptor fact in its replica of the journal when  *)
(* needs_refresh says so; a descriptor is valid on the half-open window   *)
(* [from, until).  A publisher may revoke its own descriptor, and only    *)
(* its own: its service denies a revoke of another's (DVRevokesOwnOnly).   *)
(* A member that does not publish may write a revocation of someone        *)
(* else's descriptor outside its service (a forged one), which everybody   *)
(* must ignore.  Sync is anti-entropy between members: one                 *)
(* missing fact at a time, in any order, possibly never (loss).  The       *)
(* descriptor chosen for a peer is derived from the journal: the valid,    *)
(* non-revoked descriptor of that peer and that context with the greatest  *)
(* (from, nonce).  DVLookup is what an implementation answers; DVBest is   *)
(* what it must answer.                                                    *)
(*                                                                         *)
(* Omitted, and why: encryption and signatures (a fact's `by` field is its *)
(* verified signer; a non-member holds no replica, so it reads nothing),  *)
(* transport hints and PSK commitments (opaque payload, not used in the    *)
(* choice), the Lamport clock's value (a set of facts needs no order to    *)
(* converge; only a stamp beyond the bound is modelled, by `exhausted`),   *)
(* and random nonces (a per-publisher counter: distinct and totally        *)
(* ordered, which is all the choice needs).                                *)
(* Liveness: DVConverges states that replicas converge under weak         *)
(* fairness of SyncJournal (DVFairSpec).                                   *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Auth,        \* the members of every context (the roster)
    Ctx,         \* the relational contexts
    Publishers,  \* the members that publish descriptors
    Outsider,    \* an authority outside every roster: it must learn nothing
    MaxTime,     \* the time domain is 0..MaxTime
    Validity,    \* valid_until - valid_from of every descriptor
    Window,      \* the refresh window of needs_refresh
    MaxNonce,    \* each publisher publishes at most MaxNonce descriptors
    MaxSyncIds   \* the facts one digest may name (read only by BUG_SyncCapped)

CONSTANTS
    BUG_CrossContextLookup,  \* the lookup ignores the context
    BUG_InclusiveValidUntil,     \* valid iff from <= now <= until (closed window)
    BUG_IgnoreRevocation,    \* revocations are never honoured
    BUG_AnyoneRevokes,       \* a revocation by any member is honoured
    BUG_LastArrivedWins,     \* the lookup returns the last descriptor synced
    BUG_SyncReplaces,        \* sync overwrites the replica instead of merging
    BUG_SyncToNonMember,     \* sync sends facts to an authority outside the roster
    BUG_UnauthenticatedSync, \* a sync sender is self-claimed: an outsider's digest is answered
    BUG_UnboundedLamport,    \* a received Lamport stamp may push the clock to its end
    BUG_UnsignedFacts,       \* a synced fact is merged without checking that a member signed it
    BUG_SyncCapped,          \* a replica holding more than MaxSyncIds facts cannot sync any more
    BUG_SyncRevivesPruned,   \* sync merges a fact below the receiver's prune horizon
    BUG_RevokeAny            \* a publisher's service revokes any descriptor it holds

ASSUME DVConstantsOK ==
    /\ Publishers \subseteq Auth
    /\ Outsider \notin Auth
    /\ MaxTime \in Nat /\ Validity \in Nat \ {0} /\ Window \in Nat
    /\ MaxNonce \in Nat /\ MaxSyncIds \in Nat

DVKinds == {"Descriptor", "Revoked", "Channel"}
DVFact == [kind : DVKinds, auth : Auth, ctx : Ctx, from : 0..MaxTime,
           until : 0..(MaxTime + Validity), nonce : 1..MaxNonce, by : Auth \cup {Outsider}]

VARIABLES
    now,        \* the shared clock, in the spec's time domain
    journal,    \* journal[m]: the facts in m's replica (m a member or the Outsider)
    nextNonce,  \* the next nonce of each publisher
    lastSeen,   \* lastSeen[m][c][p]: the last descriptor of p in c to reach m
    exhausted,  \* exhausted[m]: a received Lamport stamp left m's clock no room to append
    horizon     \* horizon[m]: the time of m's last prune (0: never pruned)

vars == <<now, journal, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* Validity is half-open: from <= t < until (DESIGN.md 2).                 *)
(***************************************************************************)
DVValidAt(d, t) == d.from <= t /\ t < d.until

DVIsDesc(f) == f.kind = "Descriptor"

\* f is dead at horizon h: a descriptor that expired by h is never valid again.
DVBelowHorizon(f, h) == DVIsDesc(f) /\ f.until <= h

\* The facts of S that are alive at horizon h.
DVAboveHorizon(S, h) == {f \in S : ~DVBelowHorizon(f, h)}

\* Whether m may pull at all: today's digest names every fact m holds and is
\* refused past MaxSyncIds of them (BUG_SyncCapped); paged sync has no bound.
DVSyncAllowed(m) == ~BUG_SyncCapped \/ Cardinality(journal[m]) <= MaxSyncIds

\* A revocation of d signed by its publisher is in m's replica.
DVRevokedIn(m, d) ==
    \E r \in journal[m] : /\ r.kind = "Revoked"
                          /\ r.auth = d.auth /\ r.ctx = d.ctx /\ r.nonce = d.nonce
                          /\ r.by = d.auth

\* (from, nonce) order: d1 is strictly better than d2.
DVBetter(d1, d2) == d1.from > d2.from \/ (d1.from = d2.from /\ d1.nonce > d2.nonce)

DVGreatest(S) == {d \in S : \A x \in S : x = d \/ DVBetter(d, x)}

(***************************************************************************)
(* DVBest(m, c, p): the descriptor m must choose for peer p in context c.  *)
(***************************************************************************)
DVCandidates(m, c, p) ==
    {d \in journal[m] : /\ DVIsDesc(d) /\ d.auth = p /\ d.ctx = c
                        /\ DVValidAt(d, now) /\ ~DVRevokedIn(m, d)}

DVBest(m, c, p) == DVGreatest(DVCandidates(m, c, p))

(***************************************************************************)
(* DVLookup(m, c, p): what the implementation answers (get_cached_         *)
(* descriptor), with the known shortfalls switched on by the BUG flags.    *)
(***************************************************************************)
DVLookupValid(d) ==
    IF BUG_InclusiveValidUntil THEN d.from <= now /\ now <= d.until ELSE DVValidAt(d, now)

DVLookupRevoked(m, d) ==
    /\ ~BUG_IgnoreRevocation
    /\ \E r \in journal[m] : /\ r.kind = "Revoked"
                             /\ r.auth = d.auth /\ r.ctx = d.ctx /\ r.nonce = d.nonce
                             /\ BUG_AnyoneRevokes \/ r.by = d.auth

DVLookupCandidates(m, c, p) ==
    {d \in journal[m] : /\ DVIsDesc(d) /\ d.auth = p
                        /\ BUG_CrossContextLookup \/ d.ctx = c
                        /\ DVLookupValid(d) /\ ~DVLookupRevoked(m, d)}

DVLookup(m, c, p) ==
    IF BUG_LastArrivedWins
      THEN lastSeen[m][c][p] \cap DVLookupCandidates(m, c, p)
      ELSE DVGreatest(DVLookupCandidates(m, c, p))

(***************************************************************************)
(* needs_refresh(c, now, window): no own valid non-revoked descriptor, or  *)
(* now + window >= valid_until for all of them (DESIGN.md 2).              *)
(***************************************************************************)
DVNeedsRefresh(a, c) ==
    \A d \in DVCandidates(a, c, a) : now + Window >= d.until

(***************************************************************************)
(* The initial predicate: time 0, empty replicas.                          *)
(***************************************************************************)
DVInit ==
    /\ now = 0
    /\ journal = [m \in Auth \cup {Outsider} |-> {}]
    /\ nextNonce = [a \in Auth |-> 1]
    /\ lastSeen = [m \in Auth |-> [c \in Ctx |-> [p \in Auth |-> {}]]]
    /\ exhausted = [m \in Auth |-> FALSE]
    /\ horizon = [m \in Auth |-> 0]

(***************************************************************************)
(* PreparePublishDescriptor(a, c): publisher a appends a fresh descriptor  *)
(* [now, now + Validity) to its replica.  Enabled iff needs_refresh holds  *)
(* (this is also the refresh) and a has nonces left.                       *)
(***************************************************************************)
PreparePublishDescriptor(a, c) ==
    /\ a \in Publishers
    /\ ~exhausted[a]
    /\ DVNeedsRefresh(a, c)
    /\ nextNonce[a] <= MaxNonce
    /\ LET d == [kind |-> "Descriptor", auth |-> a, ctx |-> c, from |-> now,
                 until |-> now + Validity, nonce |-> nextNonce[a], by |-> a]
       IN  /\ journal' = [journal EXCEPT ![a] = @ \cup {d}]
           /\ lastSeen' = [lastSeen EXCEPT ![a][c][a] = {d}]
    /\ nextNonce' = [nextNonce EXCEPT ![a] = @ + 1]
    /\ UNCHANGED <<now, exhausted, horizon>>

\* The revocation fact of descriptor d, signed by b.
DVRevocation(d, b) ==
    [kind |-> "Revoked", auth |-> d.auth, ctx |-> d.ctx, from |-> 0, until |-> 0,
     nonce |-> d.nonce, by |-> b]

(***************************************************************************)
(* RevokeDescriptor(a, d): publisher a's service revokes its own          *)
(* descriptor d.  Enabled iff d is in a's replica, still valid and not     *)
(* revoked yet.  Asked to revoke another's descriptor the service denies: *)
(* a deny changes nothing (DESIGN.md 2, 4).  BUG_RevokeAny writes the     *)
(* revocation instead.                                                     *)
(***************************************************************************)
RevokeDescriptor(a, d) ==
    /\ a \in Publishers
    /\ d \in journal[a] /\ ~exhausted[a]
    /\ DVIsDesc(d) /\ (BUG_RevokeAny \/ d.auth = a)
    /\ DVValidAt(d, now)
    /\ DVRevocation(d, a) \notin journal[a]
    /\ journal' = [journal EXCEPT ![a] = @ \cup {DVRevocation(d, a)}]
    /\ UNCHANGED <<now, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* ForgeRevocation(b, d): member b writes a revocation of someone else's  *)
(* descriptor outside its service.  The fact is well signed (by b) but    *)
(* must be ignored.  The forger is a member outside Publishers: the        *)
(* model's publishers are services run as specified, which deny such a    *)
(* revoke (RevokeDescriptor), and a member that skips its own guard writes *)
(* the same fact whether or not it holds rendezvous:publish (the guard is *)
(* its own), so the receivers see every forgery there is.  At most one    *)
(* forged revocation, to keep the model small.                             *)
(***************************************************************************)
ForgeRevocation(b, d) ==
    /\ b \notin Publishers
    /\ d \in journal[b] /\ ~exhausted[b]
    /\ DVIsDesc(d) /\ d.auth # b
    /\ \A m \in Auth : \A r \in journal[m] : r.kind = "Revoked" => r.by = r.auth
    /\ journal' = [journal EXCEPT ![b] = @ \cup {DVRevocation(d, b)}]
    /\ UNCHANGED <<now, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* SyncJournal(src, dst, f): anti-entropy delivers one fact that dst is   *)
(* missing (cache_descriptor happens here: the cache is derived).  A fact *)
(* below dst's prune horizon is refused (DVPrune).  Sync pages, so the     *)
(* size of a replica never stops it; BUG_SyncCapped is the digest that     *)
(* named every fact and was refused past MaxSyncIds of them.               *)
(***************************************************************************)
SyncJournal(src, dst, f) ==
    /\ src # dst
    /\ BUG_SyncToNonMember \/ dst \in Auth
    /\ f \in journal[src] \ journal[dst]
    /\ IF dst \in Auth /\ ~BUG_SyncRevivesPruned THEN ~DVBelowHorizon(f, horizon[dst]) ELSE TRUE
    /\ DVSyncAllowed(dst)
    /\ journal' = [journal EXCEPT ![dst] = IF BUG_SyncReplaces THEN journal[src] ELSE @ \cup {f}]
    /\ lastSeen' = IF DVIsDesc(f) /\ dst \in Auth
                     THEN [lastSeen EXCEPT ![dst][f.ctx][f.auth] = {f}]
                     ELSE lastSeen
    /\ UNCHANGED <<now, nextNonce, exhausted, horizon>>

(***************************************************************************)
(* Hostile sync.  A sync message is sealed under a key derived from the    *)
(* context key and signed by its sender, so only a member can send one and *)
(* no member can speak as another; every fact carries its author's        *)
(* signature (f.by is the verified signer, and the Outsider stands for "no *)
(* member signed it"); a Lamport stamp beyond the bound is refused.  A     *)
(* refused message changes nothing, so in the correct model the three      *)
(* actions below are never enabled; each BUG flag lets one through.        *)
(* Honest stamps grow by one per append and never come near the bound, so  *)
(* the clock itself is not modelled: exhausted[m] records that a received  *)
(* stamp left m no room to append (an honest sync that spreads such an     *)
(* entry is left out: DVClockBounded already fails at the first replica).  *)
(***************************************************************************)

\* The ChannelEstablished facts that no member signed (auth: a party it names).
DVUnsignedFacts ==
    {[kind |-> "Channel", auth |-> p, ctx |-> c, from |-> 0, until |-> 0, nonce |-> 1,
      by |-> Outsider] : p \in Auth, c \in Ctx}

(***************************************************************************)
(* OutsiderDigest(src): the Outsider sends src a digest that claims a      *)
(* member's id.  It holds no key, so only a self-claimed sender gets it    *)
(* answered: src then sends it every fact it lacks.                        *)
(***************************************************************************)
OutsiderDigest(src) ==
    /\ BUG_UnauthenticatedSync
    /\ journal[src] \ journal[Outsider] # {}
    /\ journal' = [journal EXCEPT ![Outsider] = @ \cup journal[src]]
    /\ UNCHANGED <<now, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* InjectUnsignedFact(snd, dst, f): member snd syncs to dst a fact that no *)
(* member signed (a forged ChannelEstablished).  Only a merge that skips   *)
(* the author's signature takes it.                                        *)
(***************************************************************************)
InjectUnsignedFact(snd, dst, f) ==
    /\ snd # dst
    /\ BUG_UnsignedFacts \/ f.by \in Auth
    /\ f \notin journal[dst]
    /\ journal' = [journal EXCEPT ![dst] = @ \cup {f}]
    /\ UNCHANGED <<now, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* HugeStamp(snd, dst, f): member snd syncs to dst its fact f stamped      *)
(* beyond the bound (2^64-1).  Only an unbounded merge takes it, and that  *)
(* leaves dst's clock no room: every later append of dst fails.            *)
(***************************************************************************)
HugeStamp(snd, dst, f) ==
    /\ snd # dst
    /\ f \in journal[snd]
    /\ BUG_UnboundedLamport
    /\ ~exhausted[dst]
    /\ journal' = [journal EXCEPT ![dst] = @ \cup {f}]
    /\ exhausted' = [exhausted EXCEPT ![dst] = TRUE]
    /\ UNCHANGED <<now, nextNonce, lastSeen, horizon>>

(***************************************************************************)
(* Tick: time advances by one unit, up to MaxTime.                         *)
(***************************************************************************)
Tick ==
    /\ now < MaxTime
    /\ now' = now + 1
    /\ UNCHANGED <<journal, nextNonce, lastSeen, exhausted, horizon>>

(***************************************************************************)
(* DVPrune(m): m moves its prune horizon to now and drops the facts dead  *)
(* there (prune_journal).  Enabled only when there is a dead fact to drop, *)
(* which keeps the model small.  Revocations and channel facts are kept:   *)
(* a revocation does not say when its descriptor expires.                  *)
(***************************************************************************)
DVPrune(m) ==
    /\ \E f \in journal[m] : DVBelowHorizon(f, now)
    /\ horizon' = [horizon EXCEPT ![m] = now]
    /\ journal' = [journal EXCEPT ![m] = {f \in @ : ~DVBelowHorizon(f, now)}]
    /\ UNCHANGED <<now, nextNonce, lastSeen, exhausted>>

DVSync ==
    \E src \in Auth, dst \in Auth \cup {Outsider} :
        \E f \in journal[src] : SyncJournal(src, dst, f)

DVPruneSome == \E m \in Auth : DVPrune(m)

DVNext ==
    \/ \E a \in Auth, c \in Ctx : PreparePublishDescriptor(a, c)
    \/ \E a \in Auth : \E d \in journal[a] : RevokeDescriptor(a, d) \/ ForgeRevocation(a, d)
    \/ DVSync
    \/ DVPruneSome
    \/ \E src \in Auth : OutsiderDigest(src)
    \/ \E snd, dst \in Auth : \E f \in DVUnsignedFacts : InjectUnsignedFact(snd, dst, f)
    \/ \E snd, dst \in Auth : \E f \in journal[snd] : HugeStamp(snd, dst, f)
    \/ Tick

DVSpec == DVInit /\ [][DVNext]_vars

\* Liveness needs fairness: sync, and pruning what has expired, are eventually
\* taken while they stay enabled.
DVFairSpec == DVSpec /\ WF_vars(DVSync) /\ WF_vars(DVPruneSome)

(***************************************************************************)
(* DVTypeOK: every variable is in its domain.                              *)
(***************************************************************************)
DVTypeOK ==
    /\ now \in 0..MaxTime
    /\ journal \in [Auth \cup {Outsider} -> SUBSET DVFact]
    /\ nextNonce \in [Auth -> 1..(MaxNonce + 1)]
    /\ \A m \in Auth, c \in Ctx, p \in Auth :
          /\ lastSeen[m][c][p] \subseteq DVFact
          /\ Cardinality(lastSeen[m][c][p]) <= 1
    /\ exhausted \in [Auth -> BOOLEAN]
    /\ horizon \in [Auth -> 0..MaxTime]

(***************************************************************************)
(* DVOnlyMembersKnow: an authority outside the roster never holds a fact  *)
(* of the context (DESIGN.md 1, 2: only members can read).                 *)
(***************************************************************************)
DVOnlyMembersKnow == journal[Outsider] = {}

(***************************************************************************)
(* DVNoCrossContext: a descriptor of context A is never used for context *)
(* B (DESIGN.md 2).                                                        *)
(***************************************************************************)
DVNoCrossContext ==
    \A m \in Auth, c \in Ctx, p \in Auth : \A d \in DVLookup(m, c, p) : d.ctx = c

(***************************************************************************)
(* DVChosenValid: the chosen descriptor is valid now, on the half-open   *)
(* window [valid_from, valid_until) (DESIGN.md 2).                         *)
(***************************************************************************)
DVChosenValid ==
    \A m \in Auth, c \in Ctx, p \in Auth : \A d \in DVLookup(m, c, p) : DVValidAt(d, now)

(***************************************************************************)
(* DVRevokedNeverChosen: a descriptor its publisher revoked is never       *)
(* chosen by a member that holds the revocation (DESIGN.md 2).             *)
(***************************************************************************)
DVRevokedNeverChosen ==
    \A m \in Auth, c \in Ctx, p \in Auth : \A d \in DVLookup(m, c, p) : ~DVRevokedIn(m, d)

(***************************************************************************)
(* DVOnlyPublisherRevokes: a revocation signed by anyone but the publisher *)
(* never hides a descriptor that should be chosen (DESIGN.md 2).           *)
(***************************************************************************)
DVOnlyPublisherRevokes ==
    \A m \in Auth, c \in Ctx, p \in Auth : DVBest(m, c, p) # {} => DVLookup(m, c, p) # {}

(***************************************************************************)
(* DVRevokesOwnOnly: a revocation signed by a publisher revokes one of    *)
(* its own descriptors: a publisher's service asked to revoke another's   *)
(* descriptor denies, so no such fact exists (DESIGN.md 2: only the       *)
(* publisher may revoke its own descriptor; DESIGN.md 4: a deny has no    *)
(* effects).  DVOnlyPublisherRevokes is the same rule at the receivers,   *)
(* for a forger who skips its own guard.                                   *)
(***************************************************************************)
DVRevokesOwnOnly ==
    \A m \in Auth : \A r \in journal[m] :
        r.kind = "Revoked" /\ r.by \in Publishers => r.by = r.auth

(***************************************************************************)
(* DVChoiceDeterministic: the chosen descriptor has the greatest           *)
(* (valid_from, nonce) among the valid, non-revoked ones: never "last     *)
(* arrived" (DESIGN.md 2).                                                 *)
(***************************************************************************)
DVChoiceDeterministic ==
    \A m \in Auth, c \in Ctx, p \in Auth :
        \A d \in DVLookup(m, c, p), x \in DVCandidates(m, c, p) : ~DVBetter(x, d)

(***************************************************************************)
(* DVFactsAttributable: every fact a member holds was signed by a member   *)
(* (a descriptor by its publisher, a revocation by the member who wrote it,*)
(* a ChannelEstablished by a party), so a fact in nobody's name never      *)
(* enters a replica (DESIGN.md 3).  A member's revocation of another's     *)
(* descriptor is attributable and syncs; only the lookup ignores it.       *)
(***************************************************************************)
DVFactsAttributable == \A m \in Auth : \A f \in journal[m] : f.by \in Auth

(***************************************************************************)
(* DVClockBounded: a received Lamport stamp never pushes a member's clock  *)
(* beyond the bound, so every member can always append (DESIGN.md 3).      *)
(***************************************************************************)
DVClockBounded == \A m \in Auth : ~exhausted[m]

(***************************************************************************)
(* DVPrunedStaysPruned: a member never holds a fact below its prune        *)
(* horizon, so a pruned fact never comes back through sync from a replica *)
(* that has not pruned yet (DESIGN.md 3).  A pruned fact is never chosen   *)
(* either: it expired, and DVChosenValid holds.                            *)
(***************************************************************************)
DVPrunedStaysPruned ==
    \A m \in Auth : \A f \in journal[m] : ~DVBelowHorizon(f, horizon[m])

(***************************************************************************)
(* DVSyncAvailable: a member that lacks a fact another member holds (and  *)
(* has not pruned) can always pull it, however many facts it holds: sync  *)
(* is never refused for size, so the fairness of DVConverges has a step   *)
(* to take (DESIGN.md 3).                                                  *)
(***************************************************************************)
DVSyncAvailable ==
    \A dst \in Auth :
        \/ DVSyncAllowed(dst)
        \/ \A src \in Auth \ {dst} :
              \A f \in journal[src] \ journal[dst] : DVBelowHorizon(f, horizon[dst])

(***************************************************************************)
(* DVJournalGrowOnly (action property): a replica loses a fact only by     *)
(* pruning it, and only a fact below its new horizon (an expired           *)
(* descriptor); above the horizon the journal is a grow-only set           *)
(* (DESIGN.md 3).  Before pruning this said that a replica never loses a   *)
(* fact; the two agree while no replica prunes.                            *)
(***************************************************************************)
DVJournalGrowOnly == [][\A m \in Auth : DVAboveHorizon(journal[m], horizon'[m]) \subseteq journal'[m]]_vars

(***************************************************************************)
(* DVConverges (liveness, under DVFairSpec): eventually every replica      *)
(* holds the same facts and keeps them (DESIGN.md 3), however many facts   *)
(* it holds.                                                               *)
(***************************************************************************)
DVConverges == <>[](\A m1, m2 \in Auth : journal[m1] = journal[m2])

THEOREM DVSpec => [](DVTypeOK /\ DVOnlyMembersKnow /\ DVNoCrossContext /\ DVChosenValid
                     /\ DVRevokedNeverChosen /\ DVOnlyPublisherRevokes /\ DVRevokesOwnOnly
                     /\ DVChoiceDeterministic /\ DVFactsAttributable /\ DVClockBounded
                     /\ DVPrunedStaysPruned /\ DVSyncAvailable)
THEOREM DVSpec => DVJournalGrowOnly
THEOREM DVFairSpec => DVConverges
=============================================================================
