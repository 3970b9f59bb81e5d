--------------------------- MODULE RelayConformance ---------------------------
(***************************************************************************)
(* The conformance harness's view of Rendezvous.tla's relay path: every     *)
(* envelope on the wire (`net`, Rendezvous's message records), what the    *)
(* relay spent per context in the context's epoch and over all epochs, the *)
(* clock, the epochs, Resp's descriptor and revocation facts in its own    *)
(* journal and in Ini's replica (sync carries them, one fact a step).      *)
(* The actions are Rendezvous.tla's steps of the relay path, and of the    *)
(* direct path, the descriptors and the sync composed with it, each with  *)
(* the same enabling condition and the same record it adds; the           *)
(* invariants are Rendezvous.tla's own, by INSTANCE, evaluated on this    *)
(* state.  The variables Rendezvous.tla has and this view does not touch   *)
(* are fixed at their initial values in the INSTANCE; the relay's sends    *)
(* are its deliveries on the wire.                                         *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS Ini, Resp, Relay, Outsider, Ctx, RelayCtx, Limit, MaxHs,
          MaxTime, Validity, MaxEpoch, MaxDesc

CONSTANTS
    BUG_FirstRelayOnly,  \* Ini tries only the first relay hint of Resp's descriptor
    BUG_AnyDescriptor,   \* Ini connects on a descriptor it must not use (expired, of
                         \* another epoch's PSK commitment)
    BUG_RelayNoCapCheck, \* the relay forwards without relay:forward
    BUG_NoStaticKeyCheck, \* Resp answers a message 1 under a static key not the claimed member's
    BUG_RelayForgetsPastEpochs, \* the relay forwards again an envelope of a past epoch
    BUG_RelayToNonMember \* the relay checks the source's membership, not the destination's

\* Which parts of the composed protocol a model explores besides the relay path (the
\* harness's model has both; the MC_ models check the module in parts):
CONSTANTS
    WithSync,   \* Resp's revocations and SyncJournal (else sync is immediate: a
                \* descriptor Resp publishes is in Ini's replica at once)
    WithDirect  \* the direct path (PrepareEstablishChannel) and the outsider (InjectInit)

VARIABLES
    net,     \* every envelope ever put on the wire (Rendezvous.tla's RVMsg records)
    spent,   \* spent[c]: the relay's flow budget spent in context c's current epoch
    paid,    \* paid[c]: what the relay spent in context c, over every epoch
    nextId,  \* the next handshake id (Ini's timestamp order)
    now,     \* the clock, in the spec's time domain
    epoch,   \* epoch[c]: the current epoch of context c
    desc,    \* desc[c]: Resp's descriptor and revocation facts of c in its own journal
             \* (Rendezvous.tla's RVFact records)
    held     \* held[c]: the same facts as Ini's replica holds them

vars == <<net, spent, paid, nextId, now, epoch, desc, held>>

Members == {Ini, Resp, Relay}

\* The envelopes the relay delivered (each is a send of the relay's, in its context).
Delivered == {m \in net : m.path = "relay" /\ m.dst # Relay}

RV == INSTANCE Rendezvous
    WITH Ini <- Ini, Resp <- Resp, Relay <- Relay, Outsider <- Outsider, Ctx <- Ctx,
         RelayCtx <- RelayCtx, MaxTime <- MaxTime, Validity <- Validity, Window <- 0,
         MaxEpoch <- MaxEpoch, Limit <- Limit, MaxDesc <- MaxDesc, MaxHs <- MaxHs,
         BUG_ReplyOnReject <- FALSE, BUG_ChannelNotBound <- FALSE, BUG_DoubleCharge <- FALSE,
         BUG_NoReplayCheck <- FALSE, BUG_JournalBeforeConfirm <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_NoEpochCheck <- FALSE,
         BUG_RelayNoCapCheck <- FALSE, BUG_NoRosterCheck <- FALSE,
         BUG_RelayForwardsJunk <- FALSE, BUG_ConfirmNotRelayed <- FALSE,
         BUG_RefreshIgnoresEpoch <- FALSE, BUG_RelayForwardsReplay <- FALSE,
         now <- now, epoch <- epoch,
         journal <- [c \in Ctx |-> [m \in Members |->
                      IF m = Ini THEN held[c] ELSE IF m = Resp THEN desc[c] ELSE {}]],
         spent <- [c \in Ctx |-> [a \in Members |-> [e \in 0..MaxEpoch |->
                    IF a = Relay /\ e = epoch[c] THEN spent[c] ELSE 0]]],
         chan <- [c \in Ctx |-> [a \in {Ini, Resp} |-> [p \in {Ini, Resp, Outsider} |->
                    [st |-> "None", ep |-> 0, id |-> 0, ctx |-> c]]]],
         nextId <- nextId, lastTs <- [c \in Ctx |-> [i \in {Ini, Resp, Outsider} |-> 0]],
         net <- net, hsLog <- <<>>, rlog <- [d \in Members |-> {}],
         sent <- {[src |-> Relay, type |-> "Forward", ctx |-> m.ctx, after |-> "Allowed"] :
                    m \in Delivered},
         confirmed <- {}

\* A Rendezvous.tla message record on `path`, and one of the relay path.
MsgOn(path, type, c, src, dst, to, ep, id) ==
    [type |-> type, ctx |-> c, src |-> src, dst |-> dst, to |-> to, path |-> path,
     ep |-> ep, id |-> id, dok |-> TRUE]

Msg(type, c, src, dst, to, ep, id) == MsgOn("relay", type, c, src, dst, to, ep, id)

\* Resp's descriptor number n of context c, published at `now` in c's epoch.
Descriptor(c, n) ==
    [kind |-> "Descriptor", auth |-> Resp, from |-> now, until |-> now + Validity,
     nonce |-> n, id |-> 0, ep |-> epoch[c]]

Init ==
    /\ net = {}
    /\ spent = [c \in Ctx |-> 0]
    /\ paid = [c \in Ctx |-> 0]
    /\ nextId = 1
    /\ now = 0
    /\ epoch = [c \in Ctx |-> 0]
    /\ desc = [c \in Ctx |-> {Descriptor(c, 1)}]
    /\ held = desc

\* The relay hints of Resp's descriptor, in its order: first a relay that is no
\* member of the context (unusable), then the context's relay.
Hints == <<Outsider, Relay>>

\* A hint Ini may relay through: a member other than the two ends.
RVUsableRelay(r) == r \in RV!Auth \ {Ini, Resp}

\* The descriptor Ini may connect on: the one its lookup must choose
\* (DescriptorValidity's DVBest: valid now, greatest), if it commits to the PSK
\* of c's current epoch; with none, Ini denies (NoValidDescriptor,
\* PskCommitmentMismatch: "refresh, do not send", DESIGN.md 1, 2).
Usable(c) ==
    {d \in RV!RVMustLookup(c, Ini, Resp) :
        \E f \in held[c] : f.kind = "Descriptor" /\ f.nonce = d.nonce /\ f.ep = epoch[c]}

\* PrepareEstablishChannel(c, "relay"): RelayRequest carries message 1 to the first
\* usable relay hint of the descriptor Ini must use; `dok` records whether there is
\* one (Rendezvous.tla's record of the descriptor used).  Under BUG_FirstRelayOnly
\* only the first hint is tried: it is unusable, so the connect is denied and its
\* handshake id is spent for nothing.  Without a usable descriptor the connect is
\* a local deny (a stutter), except under BUG_AnyDescriptor.
RelayRequest(c) ==
    /\ nextId <= MaxHs
    /\ Usable(c) # {} \/ BUG_AnyDescriptor
    /\ IF BUG_FirstRelayOnly /\ ~RVUsableRelay(Hints[1])
         THEN UNCHANGED net
         ELSE net' = net \cup {[Msg("Init", c, Ini, RV!RVHop("relay", Resp), Resp, epoch[c],
                                    nextId) EXCEPT !.dok = Usable(c) # {}]}
    /\ nextId' = nextId + 1
    /\ UNCHANGED <<spent, paid, now, epoch, desc, held>>

\* RelayForward(m): RelayForward / RelayComplete, for the relay's ForwardCost, in a
\* context where the relay holds relay:forward.  Under BUG_RelayForgetsPastEpochs
\* the relay remembers only the current epoch's forwards and forwards a message of
\* any epoch, so an envelope of a past epoch is forwarded, and paid for, again.
\* Under BUG_RelayToNonMember it forwards a protocol message of a member to anyone.
RelayForward(m) ==
    /\ m.dst = Relay
    /\ \/ [m EXCEPT !.dst = m.to] \notin net
       \/ BUG_RelayForgetsPastEpochs /\ m.ep < epoch[m.ctx]
    /\ \/ RV!RVWellFormed(m)
       \/ BUG_RelayToNonMember /\ m.type \in RV!RVProtocolTypes /\ m.src \in RV!Peers
    /\ BUG_RelayNoCapCheck \/ m.ctx \in RelayCtx
    /\ spent[m.ctx] + RV!ForwardCost <= Limit
    /\ net' = net \cup {[m EXCEPT !.dst = m.to]}
    /\ spent' = [spent EXCEPT ![m.ctx] = @ + RV!ForwardCost]
    /\ paid' = [paid EXCEPT ![m.ctx] = @ + RV!ForwardCost]
    /\ UNCHANGED <<nextId, now, epoch, desc, held>>

\* HandleHandshake(m), accepted: RelayResponse carries message 2 back to the relay.
\* Resp answers Ini's own message 1 (a handshake id, not the impostor's 0) of the
\* context's current epoch; anything else is a local rejection (StaticKeyMismatch,
\* EpochMismatch), a stutter.
HandleHandshake(m) ==
    /\ m.type = "Init" /\ m.dst = Resp /\ m.to = Resp /\ m.src = Ini
    /\ m.id # 0 \/ BUG_NoStaticKeyCheck
    /\ m.ep = epoch[m.ctx]
    /\ net' = net \cup {MsgOn(m.path, "Resp", m.ctx, Resp, RV!RVHop(m.path, m.src), m.src, m.ep,
                              m.id)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* ProcessResponse(m): the key confirmation goes back on the same path (a response
\* of a past epoch finds Ini's channel Rotating: nothing is sent).
ProcessResponse(m) ==
    /\ m.type = "Resp" /\ m.dst = Ini /\ m.to = Ini
    /\ m.ep = epoch[m.ctx]
    /\ net' = net \cup {MsgOn(m.path, "Confirm", m.ctx, Ini, RV!RVHop(m.path, m.src), m.src,
                              m.ep, m.id)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* InjectJunk(c): an envelope that is no protocol message, handed to the relay in a
\* context where it forwards (elsewhere it drops every envelope anyway).  No step
\* but RelayForward reads it and `net` only grows, so injecting it first, once,
\* covers every interleaving of its forward (as Rendezvous.tla's InjectJunk).
InjectJunk(c) ==
    /\ net = {}
    /\ c \in RelayCtx
    /\ net' = net \cup {Msg("Junk", c, Ini, Relay, Resp, epoch[c], 0)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* ImpersonateInit(c): the attacker knows the PSK of c's epoch (any member does) and
\* Ini's receipt key, not Ini's static key; it hands the relay a message 1 claiming
\* Ini's id under a static key of its own (handshake id 0: no handshake of Ini's),
\* paid for.  The relay sees a member's paid envelope and may forward it; Resp must
\* refuse it (RVMembersOnly).
ImpersonateInit(c) ==
    /\ c \in RelayCtx
    /\ net' = net \cup {Msg("Init", c, Ini, Relay, Resp, epoch[c], 0)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* MisaddressInit(c): the attacker (with Ini's receipt key, as ImpersonateInit's)
\* hands the relay a paid message 1 of Ini's addressed to Outsider, no member of
\* the context (handshake id 0).  The relay must drop it (RelayForward: only
\* between two members): nothing of a context reaches a non-member.
MisaddressInit(c) ==
    /\ c \in RelayCtx
    /\ net' = net \cup {Msg("Init", c, Ini, Relay, Outsider, epoch[c], 0)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* Resp's descriptors of c (its revocations aside).
Published(c) == {f \in desc[c] : f.kind = "Descriptor"}

\* PreparePublishDescriptor(c): Resp publishes a descriptor [now, now + Validity)
\* committing to c's current epoch when needs_refresh holds (Rendezvous.tla's
\* RVNeedsRefresh), in its own journal; SyncJournal carries it to Ini (at once,
\* without WithSync: PreparePublishDescriptor and its SyncJournal in one step).
PublishDescriptor(c) ==
    /\ RV!RVNeedsRefresh(c)
    /\ Cardinality(Published(c)) < MaxDesc
    /\ LET d == Descriptor(c, Cardinality(Published(c)) + 1)
       IN  /\ desc' = [desc EXCEPT ![c] = @ \cup {d}]
           /\ held' = IF WithSync THEN held ELSE [held EXCEPT ![c] = @ \cup {d}]
    /\ UNCHANGED <<net, spent, paid, nextId, now, epoch>>

\* Resp's descriptors it may revoke: valid now and not revoked, in its own journal
\* (DescriptorValidity's candidates, as Rendezvous.tla's RevokeDescriptor reads them).
Revocable(c) ==
    {d \in Published(c) : \E x \in RV!DV(c)!DVCandidates(Resp, c, Resp) : x.nonce = d.nonce}

\* RevokeDescriptor(c, d): Resp revokes its own valid, unrevoked descriptor d
\* (Rendezvous.tla's RevokeDescriptor), in its own journal.
RevokeDescriptor(c, d) ==
    /\ WithSync
    /\ d \in Revocable(c)
    /\ desc' = [desc EXCEPT ![c] = @ \cup {[d EXCEPT !.kind = "Revoked"]}]
    /\ UNCHANGED <<net, spent, paid, nextId, now, epoch, held>>

\* SyncJournal(c, f): anti-entropy delivers to Ini one fact of Resp's it lacks
\* (Rendezvous.tla's SyncJournal(c, Resp, Ini, f)).  A sync message carrying
\* several is a path of these steps; a lost, duplicated or late one is no step
\* (Ini's facts never reach Resp's replica with anything new: Ini publishes none).
SyncJournal(c, f) ==
    /\ WithSync
    /\ f \in desc[c] \ held[c]
    /\ held' = [held EXCEPT ![c] = @ \cup {f}]
    /\ UNCHANGED <<net, spent, paid, nextId, now, epoch, desc>>

\* PrepareEstablishChannel(c): Rendezvous.tla's PrepareEstablishChannel(c, "direct")
\* (RelayRequest is its "relay" path): HandshakeInit straight to Resp, on the
\* descriptor Ini must use; without one, a local deny (a stutter), except under
\* BUG_AnyDescriptor.
PrepareEstablishChannel(c) ==
    /\ WithDirect
    /\ nextId <= MaxHs
    /\ Usable(c) # {} \/ BUG_AnyDescriptor
    /\ net' = net \cup {[MsgOn("direct", "Init", c, Ini, Resp, Resp, epoch[c], nextId)
                           EXCEPT !.dok = Usable(c) # {}]}
    /\ nextId' = nextId + 1
    /\ UNCHANGED <<spent, paid, now, epoch, desc, held>>

\* InjectInit(c): the attacker, with the Outsider's own static key, sends a message 1
\* straight to Resp in c (once, as Rendezvous.tla's InjectInit).  Resp must answer
\* nothing (RVMembersOnly: nothing of the context reaches a non-member).
InjectInit(c) ==
    /\ WithDirect
    /\ \A m \in net : m.src # Outsider
    /\ net' = net \cup {MsgOn("direct", "Init", c, Outsider, Resp, Resp, epoch[c], 1)}
    /\ UNCHANGED <<spent, paid, nextId, now, epoch, desc, held>>

\* AdvanceEpoch(c): context c moves to its next epoch, envelopes of the past one on
\* the wire or not; the relay's budget restarts, what it paid stays.  An envelope
\* forwarded before and replayed after the change must not be forwarded again
\* (RelayForward: once per envelope, whatever the epoch), nor paid for again
\* (RVRelayForwardsOnce, on paid).
AdvanceEpoch(c) ==
    /\ epoch[c] < MaxEpoch
    /\ epoch' = [epoch EXCEPT ![c] = @ + 1]
    /\ spent' = [spent EXCEPT ![c] = 0]
    /\ UNCHANGED <<net, paid, nextId, now, desc, held>>

\* Tick: time advances by one unit, up to MaxTime.
Tick ==
    /\ now < MaxTime
    /\ now' = now + 1
    /\ UNCHANGED <<net, spent, paid, nextId, epoch, desc, held>>

Next ==
    \/ \E c \in Ctx : \/ RelayRequest(c) \/ InjectJunk(c) \/ ImpersonateInit(c)
                      \/ MisaddressInit(c) \/ PublishDescriptor(c) \/ AdvanceEpoch(c)
                      \/ \E d \in desc[c] : RevokeDescriptor(c, d)
                      \/ \E f \in desc[c] : SyncJournal(c, f)
                      \/ PrepareEstablishChannel(c) \/ InjectInit(c)
    \/ \E m \in net : RelayForward(m) \/ HandleHandshake(m) \/ ProcessResponse(m)
    \/ Tick

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ net \subseteq RV!RVMsg
    /\ spent \in [Ctx -> 0..Limit]
    /\ paid \in [Ctx -> 0..(Limit * (MaxEpoch + 1))]
    /\ nextId \in 1..(MaxHs + 1)
    /\ now \in 0..MaxTime
    /\ epoch \in [Ctx -> 0..MaxEpoch]
    /\ desc \in [Ctx -> SUBSET RV!RVFact]
    /\ held \in [Ctx -> SUBSET RV!RVFact]

RVRelayForwardsOnlyProtocol == RV!RVRelayForwardsOnlyProtocol
RVRelayedEndToEnd == RV!RVRelayedEndToEnd
RVConnectWithValidDescriptor == RV!RVConnectWithValidDescriptor
RVRelayAuthorized == RV!RVRelayAuthorized

(***************************************************************************)
(* RVMembersOnly: Rendezvous.tla's invariant (a non-member never gets a    *)
(* channel or a receipt accepted) restated on the wire, as this model has  *)
(* no channels: the impostor's message 1 (handshake id 0) is never         *)
(* answered, so nothing of its handshake follows it; and no envelope of a  *)
(* context is delivered to a non-member (DESIGN.md 1).                     *)
(***************************************************************************)
RVMembersOnly ==
    /\ \A m \in net : m.type \in {"Resp", "Confirm"} => m.id # 0
    /\ \A m \in net : m.dst \in Members

(***************************************************************************)
(* RVRelayFallback: every relayed connect Ini started went out through a   *)
(* usable relay hint of Resp's descriptor while one is listed: a hint that *)
(* is no member (or that the caller saw fail) is skipped, never the end of *)
(* the attempt (seed 5.2).  A direct connect's id is no relayed connect's. *)
(***************************************************************************)
RVRelayFallback ==
    (\E i \in DOMAIN Hints : RVUsableRelay(Hints[i])) =>
        \A id \in 1..(nextId - 1) :
            \E m \in net : /\ m.type = "Init" /\ m.src = Ini /\ m.id = id
                          /\ (m.path = "direct" \/ RVUsableRelay(m.dst))

(***************************************************************************)
(* RVRelayForwardsOnce: the relay is charged once per envelope it          *)
(* delivered, over all epochs of the context: Rendezvous.tla's invariant   *)
(* bounds each epoch's spending by every delivery of the context, which a  *)
(* relay paying again for each envelope in the next epoch still meets;     *)
(* the total, paid, is bounded here (it bounds each epoch's too, as        *)
(* spent[c] <= paid[c]).                                                   *)
(***************************************************************************)
RVRelayForwardsOnce ==
    \A c \in Ctx : paid[c] <= RV!ForwardCost * Cardinality(RV!RVRelayForwards(c))
=============================================================================
