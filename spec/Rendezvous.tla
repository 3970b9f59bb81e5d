----------------------------- MODULE Rendezvous -----------------------------
(***************************************************************************)
(* The rendezvous protocol: the guard chain, descriptors and channels      *)
(* together, with both choreographies of the seed (section 5) and an       *)
(* attacker on the network (DESIGN.md sections 1-7).                       *)
(*                                                                         *)
(* Ini connects to Resp in a relational context, directly or through the   *)
(* Relay.  Resp publishes descriptors in the context journal; sync carries *)
(* them to Ini, whose lookup picks Resp's descriptor (DescriptorValidity). *)
(* Every send passes the guard chain (capability, then budget, GuardChain) *)
(* and is charged the choreography's cost: HandshakeInit 2, RelayRequest  *)
(* 2, RelayForward 1 (to the relay), HandshakeComplete 2, RelayResponse 2, *)
(* DescriptorOffer/Answer 1.  The handshake is IKpsk2 with key            *)
(* confirmation and per-epoch keys (EpochRotation).  The network `net` is  *)
(* a set of messages that never shrinks: the attacker may drop, duplicate, *)
(* reorder or replay any of them, and injects a first message from an     *)
(* Outsider (a non-member).  Every packet an authority sends is logged in  *)
(* `sent` with the decision of the step that sent it (privacy, DESIGN 7).  *)
(*                                                                         *)
(* How the modules fit: the descriptor choice, validity, revocation and  *)
(* needs_refresh are DescriptorValidity's operators through a named       *)
(* INSTANCE per context (DV(c)); each RV invariant restates, over this    *)
(* state, an invariant of a component module (named in its comment).  An  *)
(* implementation state maps onto these variables through the abstraction *)
(* function of docs/specs.md, and the conformance harness checks every     *)
(* implementation step against RVNext.                                     *)
(*                                                                         *)
(* Omitted, and why: effect-level interleaving (an allowed outcome's       *)
(* effects run atomically here; GuardChain checks their order and          *)
(* rollback), channel close and timeout (EpochRotation), receipt chains    *)
(* (GuardChain), the descriptor's transport hints (the transport ladder is *)
(* tested on sockets), and liveness (a lossy network promises none).       *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Ini,       \* the initiator
    Resp,      \* the responder (the descriptor publisher)
    Relay,     \* the relay authority
    Outsider,  \* an authority in no roster (the attacker's identity)
    Ctx,       \* the relational contexts of Ini and Resp
    RelayCtx,  \* the contexts in which Relay holds relay:forward
    MaxTime,   \* the time domain is 0..MaxTime
    Validity,  \* valid_until - valid_from of a descriptor
    Window,    \* the refresh window of needs_refresh
    MaxEpoch,  \* epochs are 0..MaxEpoch
    Limit,     \* flow budget per (context, authority, epoch)
    MaxDesc,   \* at most MaxDesc descriptors are published
    MaxHs      \* at most MaxHs handshakes (ids and timestamps 1..MaxHs)

CONSTANTS
    BUG_ReplyOnReject,       \* a rejected first message gets an error reply
    BUG_ChannelNotBound,     \* channel lookup by peer ignores the context
    BUG_DoubleCharge,        \* the initiator is charged twice per handshake
    BUG_NoReplayCheck,       \* the responder keeps no timestamps
    BUG_JournalBeforeConfirm,\* ChannelEstablished is journaled on msg 1
    BUG_IgnoreRevocation,    \* the initiator's lookup ignores revocations
    BUG_NoEpochCheck,        \* the responder accepts a msg 1 of a retired epoch
    BUG_RelayNoCapCheck,     \* the relay forwards without relay:forward
    BUG_NoRosterCheck,       \* the responder accepts a non-member's msg 1
    BUG_RelayForwardsJunk,   \* the relay charges for and forwards a non-protocol envelope
    BUG_ConfirmNotRelayed,   \* the confirmation of a relayed handshake bypasses the relay
    BUG_RefreshIgnoresEpoch, \* needs_refresh ignores the epoch of the own descriptor
    BUG_RelayForwardsReplay  \* the relay forwards (and is charged for) an envelope again

Peers == {Ini, Resp}
Auth == {Ini, Resp, Relay}
Senders == Peers \cup {Outsider}

ASSUME RVConstantsOK ==
    /\ Cardinality({Ini, Resp, Relay, Outsider}) = 4
    /\ RelayCtx \subseteq Ctx
    /\ MaxTime \in Nat /\ Validity \in Nat \ {0} /\ Window \in Nat
    /\ MaxEpoch \in Nat /\ Limit \in Nat /\ MaxDesc \in Nat /\ MaxHs \in Nat

(***************************************************************************)
(* Flow costs: the choreography annotations are the rule (DESIGN.md 4).    *)
(***************************************************************************)
PublishCost == 1
ConnectCost == 2   \* HandshakeInit and RelayRequest alike
CompleteCost == 2  \* HandshakeComplete and RelayResponse alike
ForwardCost == 1   \* RelayForward and RelayComplete, charged to the relay

RVEpochs == 0..MaxEpoch
RVIds == 0..MaxHs
RVStates == {"None", "Establishing", "Active", "Rotating"}
RVPaths == {"direct", "relay"}
RVReasons == {"NoValidDescriptor", "InsufficientBudget", "MissingCapability",
              "EpochMismatch", "Replay", "NonMember", "Malformed"}
\* The messages of the protocol; "Junk" stands for any other envelope (wrong type
\* byte or size, not a Noise or transport message of this protocol).
RVProtocolTypes == {"Init", "Resp", "Confirm"}

RVFact == [kind : {"Descriptor", "Revoked", "ChannelEstablished"}, auth : Auth,
           from : 0..MaxTime, until : 0..(MaxTime + Validity), nonce : 0..MaxDesc,
           id : RVIds, ep : RVEpochs]
RVChan == [st : RVStates, ep : RVEpochs, id : RVIds, ctx : Ctx]
RVMsg == [type : {"Init", "Resp", "Confirm", "Error", "Junk"}, ctx : Ctx, src : Senders,
          dst : Auth \cup {Outsider}, to : Auth \cup {Outsider}, path : RVPaths,
          ep : RVEpochs, id : RVIds, dok : BOOLEAN]
RVSent == [src : Auth, type : {"Init", "Resp", "Confirm", "Error", "Forward"}, ctx : Ctx,
           after : {"Allowed", "Denied"}]
RVReceipt == [op : {"Init", "Resp"}, ctx : Ctx, src : Senders, ep : RVEpochs]

VARIABLES
    now,        \* the clock, in the spec's time domain
    epoch,      \* epoch[c]: the current epoch of context c
    journal,    \* journal[c][m]: member m's replica of c's journal
    spent,      \* spent[c][a][e]: flow budget a spent in c during epoch e
    chan,       \* chan[c][a][p]: a's channel with p, registered under context c
    nextId,     \* the next handshake id, also Ini's monotonic timestamp
    lastTs,     \* lastTs[c][i]: greatest timestamp of a handshake from i that Resp
                \* key-confirmed in c's current epoch (the replay guard)
    net,        \* every message ever put on the network
    hsLog,      \* the msg 1s the responder answered, in order
    rlog,       \* rlog[d]: the receipts d accepted
    sent,       \* every packet sent, with the decision of the step that sent it
    confirmed   \* the handshake ids the responder key-confirmed

vars == <<now, epoch, journal, spent, chan, nextId, lastTs, net, hsLog, rlog, sent,
          confirmed>>

RVNoChan(c) == [st |-> "None", ep |-> 0, id |-> 0, ctx |-> c]

(***************************************************************************)
(* Descriptors: the descriptor facts of context c, seen as                 *)
(* DescriptorValidity's facts through a named INSTANCE per context, so the *)
(* validity window, the revocation rule, the deterministic choice and      *)
(* needs_refresh are that module's operators, not copies.                  *)
(***************************************************************************)
RVAsDVFacts(c, m) ==
    IF m \in Peers
      THEN {[kind |-> f.kind, auth |-> f.auth, ctx |-> c, from |-> f.from, until |-> f.until,
             nonce |-> f.nonce, by |-> f.auth] :
               f \in {g \in journal[c][m] : g.kind \in {"Descriptor", "Revoked"}}}
      ELSE {}

\* nextNonce and lastSeen are not read by the operators taken from DV(c).
DV(c) == INSTANCE DescriptorValidity
    WITH Auth <- Peers, Ctx <- {c}, Publishers <- {Resp}, Outsider <- Outsider,
         MaxTime <- MaxTime, Validity <- Validity, Window <- Window, MaxNonce <- MaxDesc,
         MaxSyncIds <- 0, BUG_SyncCapped <- FALSE, BUG_SyncRevivesPruned <- FALSE,
         BUG_CrossContextLookup <- FALSE, BUG_InclusiveValidUntil <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_AnyoneRevokes <- FALSE,
         BUG_LastArrivedWins <- FALSE, BUG_SyncReplaces <- FALSE,
         BUG_SyncToNonMember <- FALSE, BUG_UnauthenticatedSync <- FALSE,
         BUG_UnboundedLamport <- FALSE, BUG_UnsignedFacts <- FALSE, BUG_RevokeAny <- FALSE,
         now <- now,
         journal <- [m \in Peers \cup {Outsider} |-> RVAsDVFacts(c, m)],
         nextNonce <- [a \in Peers |-> 1],
         lastSeen <- [m \in Peers |-> [x \in {c} |-> [p \in Peers |-> {}]]],
         exhausted <- [m \in Peers |-> FALSE],
         horizon <- [m \in Peers |-> 0]

\* What Ini must choose (DescriptorValidity), and what its lookup answers:
\* the same choice, except that BUG_IgnoreRevocation drops the revocation rule.
RVMustLookup(c, m, p) == DV(c)!DVBest(m, c, p)

RVLookup(c, m, p) ==
    IF BUG_IgnoreRevocation
      THEN DV(c)!DVGreatest({d \in RVAsDVFacts(c, m) : /\ DV(c)!DVIsDesc(d) /\ d.auth = p
                                                     /\ DV(c)!DVValidAt(d, now)})
      ELSE RVMustLookup(c, m, p)

RVDescCount == Cardinality(UNION {{d \in journal[c][Resp] : d.kind = "Descriptor"} : c \in Ctx})

\* Resp's own descriptor (the one its lookup chooses) commits to the PSK of a
\* past epoch: peers deny it (PskCommitmentMismatch), so it must be replaced.
RVOwnStale(c) ==
    \E d \in RVMustLookup(c, Resp, Resp) :
        \E f \in journal[c][Resp] : /\ f.kind = "Descriptor" /\ f.nonce = d.nonce
                                  /\ f.ep # epoch[c]

\* needs_refresh: DescriptorValidity's rule (no own valid descriptor, or the
\* window reached), and an own descriptor of a past epoch.
RVNeedsRefresh(c) ==
    \/ DV(c)!DVNeedsRefresh(Resp, c)
    \/ ~BUG_RefreshIgnoresEpoch /\ RVOwnStale(c)

(***************************************************************************)
(* Channels: ChannelManager.find_by_context_peer.                          *)
(***************************************************************************)
RVFindChannel(c, a, p) ==
    IF BUG_ChannelNotBound
      THEN {chan[x][a][p] : x \in {y \in Ctx : chan[y][a][p].st = "Active"}}
      ELSE IF chan[c][a][p].st = "Active" THEN {chan[c][a][p]} ELSE {}

RVBudgetOK(c, a, cost) == spent[c][a][epoch[c]] + cost <= Limit

RVCharge(c, a, cost) == [spent EXCEPT ![c][a][epoch[c]] = @ + cost]

\* The hop after `src` on `path` towards `to`.
RVHop(path, to) == IF path = "relay" THEN Relay ELSE to

(***************************************************************************)
(* A local deny or rejection changes nothing observable: it is a          *)
(* stuttering step whose typed reason stays in the implementation.  Under  *)
(* BUG_ReplyOnReject the responder answers a rejected msg 1 with an error. *)
(***************************************************************************)
RVDeny(reason) == reason \in RVReasons /\ UNCHANGED vars

(***************************************************************************)
(* The initial predicate: time 0, epoch 0, nothing published or sent.      *)
(***************************************************************************)
RVInit ==
    /\ now = 0
    /\ epoch = [c \in Ctx |-> 0]
    /\ journal = [c \in Ctx |-> [m \in Auth |-> {}]]
    /\ spent = [c \in Ctx |-> [a \in Auth |-> [e \in RVEpochs |-> 0]]]
    /\ chan = [c \in Ctx |-> [a \in Peers |-> [p \in Senders |-> RVNoChan(c)]]]
    /\ nextId = 1
    /\ lastTs = [c \in Ctx |-> [i \in Senders |-> 0]]
    /\ net = {}
    /\ hsLog = <<>>
    /\ rlog = [d \in Auth |-> {}]
    /\ sent = {}
    /\ confirmed = {}

(***************************************************************************)
(* PreparePublishDescriptor(c): Resp publishes a descriptor [now, now +    *)
(* Validity) in c when needs_refresh holds (DescriptorOffer/Answer, cost   *)
(* 1); it commits to the PSK of c's current epoch.  A budget deny is       *)
(* local.                                                                  *)
(***************************************************************************)
PreparePublishDescriptor(c) ==
    /\ RVNeedsRefresh(c)
    /\ RVDescCount < MaxDesc
    /\ IF RVBudgetOK(c, Resp, PublishCost)
         THEN /\ journal' = [journal EXCEPT ![c][Resp] = @ \cup
                     {[kind |-> "Descriptor", auth |-> Resp, from |-> now,
                       until |-> now + Validity, nonce |-> RVDescCount + 1, id |-> 0,
                       ep |-> epoch[c]]}]
              /\ spent' = RVCharge(c, Resp, PublishCost)
              /\ UNCHANGED <<now, epoch, chan, nextId, lastTs, net, hsLog, rlog, sent,
                             confirmed>>
         ELSE RVDeny("InsufficientBudget")

(***************************************************************************)
(* RevokeDescriptor(c, d): Resp revokes its own valid, unrevoked          *)
(* descriptor d.                                                           *)
(***************************************************************************)
RevokeDescriptor(c, d) ==
    /\ d.kind = "Descriptor"
    /\ \E x \in DV(c)!DVCandidates(Resp, c, Resp) : x.nonce = d.nonce
    /\ journal' = [journal EXCEPT ![c][Resp] = @ \cup {[d EXCEPT !.kind = "Revoked"]}]
    /\ UNCHANGED <<now, epoch, spent, chan, nextId, lastTs, net, hsLog, rlog, sent,
                   confirmed>>

(***************************************************************************)
(* SyncJournal(c, src, dst, f): anti-entropy between the members of c     *)
(* delivers one missing fact.                                              *)
(***************************************************************************)
SyncJournal(c, src, dst, f) ==
    /\ src # dst
    /\ f \in journal[c][src] \ journal[c][dst]
    /\ journal' = [journal EXCEPT ![c][dst] = @ \cup {f}]
    /\ UNCHANGED <<now, epoch, spent, chan, nextId, lastTs, net, hsLog, rlog, sent,
                   confirmed>>

(***************************************************************************)
(* PrepareEstablishChannel(c, path): Ini starts a handshake with Resp in  *)
(* c, directly (HandshakeInit) or through the relay (RelayRequest).  The   *)
(* guard needs a valid descriptor of Resp and budget; a deny is local.     *)
(* `dok` records whether the descriptor used is one Ini must use.          *)
(***************************************************************************)
PrepareEstablishChannel(c, path) ==
    /\ chan[c][Ini][Resp].st \in {"None", "Rotating"}
    /\ nextId <= MaxHs
    /\ IF RVLookup(c, Ini, Resp) # {} /\ RVBudgetOK(c, Ini, ConnectCost)
         THEN /\ spent' = IF BUG_DoubleCharge
                            THEN [spent EXCEPT ![c][Ini][epoch[c]] = @ + 2 * ConnectCost]
                            ELSE RVCharge(c, Ini, ConnectCost)
              /\ chan' = [chan EXCEPT ![c][Ini][Resp] =
                            [st |-> "Establishing", ep |-> epoch[c], id |-> nextId, ctx |-> c]]
              /\ net' = net \cup
                   {[type |-> "Init", ctx |-> c, src |-> Ini, dst |-> RVHop(path, Resp),
                     to |-> Resp, path |-> path, ep |-> epoch[c], id |-> nextId,
                     dok |-> RVLookup(c, Ini, Resp) \subseteq RVMustLookup(c, Ini, Resp)]}
              /\ sent' = sent \cup {[src |-> Ini, type |-> "Init", ctx |-> c,
                                     after |-> "Allowed"]}
              /\ nextId' = nextId + 1
              /\ UNCHANGED <<now, epoch, journal, lastTs, hsLog, rlog, confirmed>>
         ELSE RVDeny(IF RVLookup(c, Ini, Resp) = {} THEN "NoValidDescriptor"
                     ELSE "InsufficientBudget")

(***************************************************************************)
(* RelayForward(m): the relay forwards an opaque envelope to its final     *)
(* destination (RelayForward / RelayComplete, cost 1 to the relay).        *)
(* Enabled iff not forwarded yet: the relay remembers what it forwarded   *)
(* and refuses a replayed envelope before the charge (under               *)
(* BUG_RelayForwardsReplay it forwards it, and pays, again: the net is a   *)
(* set, so only the charge shows it); an envelope that is not a protocol   *)
(* message between two distinct members is refused before anything is     *)
(* charged; without relay:forward or budget for the context the relay     *)
(* drops it, sending nothing.                                              *)
(***************************************************************************)
RVWellFormed(m) == m.type \in RVProtocolTypes /\ m.src # m.to /\ {m.src, m.to} \subseteq Peers

RelayForward(m) ==
    /\ m.dst = Relay
    /\ BUG_RelayForwardsReplay \/ [m EXCEPT !.dst = m.to] \notin net
    /\ IF ~BUG_RelayForwardsJunk /\ ~RVWellFormed(m) THEN RVDeny("Malformed") ELSE
       IF (BUG_RelayNoCapCheck \/ m.ctx \in RelayCtx) /\ RVBudgetOK(m.ctx, Relay, ForwardCost)
         THEN /\ spent' = RVCharge(m.ctx, Relay, ForwardCost)
              /\ net' = net \cup {[m EXCEPT !.dst = m.to]}
              /\ sent' = sent \cup {[src |-> Relay, type |-> "Forward", ctx |-> m.ctx,
                                     after |-> "Allowed"]}
              /\ UNCHANGED <<now, epoch, journal, chan, nextId, lastTs, hsLog, rlog,
                             confirmed>>
         ELSE RVDeny(IF m.ctx \in RelayCtx THEN "InsufficientBudget" ELSE "MissingCapability")

(***************************************************************************)
(* RVFreshInit(m): msg 1's timestamp passes the responder's replay check   *)
(* (EpochRotation ERFreshInit): above the greatest one key-confirmed in    *)
(* the context's epoch (lastTs), above the pending handshake's with that   *)
(* initiator, and not the current handshake's.  Only authenticated         *)
(* handshakes write lastTs (at KeyConfirm): an unproven msg 1 holds the    *)
(* pending slot and blocks its own timestamp, nothing more.                *)
(***************************************************************************)
RVFreshInit(m) ==
    LET ch == chan[m.ctx][Resp][m.src]
    IN  /\ m.id > lastTs[m.ctx][m.src]
        /\ ch.st = "Establishing" => m.id > ch.id
        /\ m.id # ch.id

(***************************************************************************)
(* HandleHandshake(m): Resp processes a msg 1 (prepare_handle_handshake). *)
(* In order: roster membership (static key), the prologue's context epoch, *)
(* the timestamp (replay), then the guard (budget).  Accepted: charged,    *)
(* Establishing until key confirmation, reply HandshakeComplete or         *)
(* RelayResponse; the replay guard is not written yet (the PSK is proven   *)
(* only at key confirmation).  Otherwise a local rejection: nothing is     *)
(* sent.                                                                   *)
(***************************************************************************)
RVRejectReason(m) ==
    IF ~BUG_NoRosterCheck /\ m.src \notin Peers THEN "NonMember"
    ELSE IF ~BUG_NoEpochCheck /\ m.ep # epoch[m.ctx] THEN "EpochMismatch"
    ELSE IF ~BUG_NoReplayCheck /\ ~RVFreshInit(m) THEN "Replay"
    ELSE IF ~RVBudgetOK(m.ctx, Resp, CompleteCost) THEN "InsufficientBudget"
    ELSE "None"

HandleHandshake(m) ==
    /\ m.type = "Init" /\ m.dst = Resp /\ m.to = Resp
    /\ LET c == m.ctx
           reason == RVRejectReason(m)
       IN  IF reason = "None"
             THEN /\ spent' = RVCharge(c, Resp, CompleteCost)
                  /\ chan' = [chan EXCEPT ![c][Resp][m.src] =
                                [st |-> "Establishing", ep |-> m.ep, id |-> m.id, ctx |-> c]]
                  /\ hsLog' = Append(hsLog, [resp |-> Resp, ini |-> m.src, ts |-> m.id,
                                             ctx |-> c, ep |-> m.ep])
                  /\ rlog' = [rlog EXCEPT ![Resp] = @ \cup
                                {[op |-> "Init", ctx |-> c, src |-> m.src, ep |-> m.ep]}]
                  /\ net' = net \cup
                       {[type |-> "Resp", ctx |-> c, src |-> Resp, dst |-> RVHop(m.path, m.src),
                         to |-> m.src, path |-> m.path, ep |-> m.ep, id |-> m.id,
                         dok |-> TRUE]}
                  /\ sent' = sent \cup {[src |-> Resp, type |-> "Resp", ctx |-> c,
                                         after |-> "Allowed"]}
                  /\ journal' = IF BUG_JournalBeforeConfirm
                                  THEN [journal EXCEPT ![c][Resp] = @ \cup
                                          {[kind |-> "ChannelEstablished", auth |-> m.src,
                                            from |-> 0, until |-> 0, nonce |-> 0,
                                            id |-> m.id, ep |-> m.ep]}]
                                  ELSE journal
                  /\ UNCHANGED <<now, epoch, nextId, lastTs, confirmed>>
             ELSE IF BUG_ReplyOnReject
               THEN /\ net' = net \cup
                         {[type |-> "Error", ctx |-> c, src |-> Resp, dst |-> m.src,
                           to |-> m.src, path |-> "direct", ep |-> epoch[c], id |-> m.id,
                           dok |-> TRUE]}
                    /\ sent' = sent \cup {[src |-> Resp, type |-> "Error", ctx |-> c,
                                           after |-> "Denied"]}
                    /\ UNCHANGED <<now, epoch, journal, spent, chan, nextId, lastTs, hsLog,
                                   rlog, confirmed>>
               ELSE RVDeny(reason)

(***************************************************************************)
(* ProcessResponse(m): Ini's Establishing channel receives msg 2: the PSK *)
(* matched, so Active; Ini sends its first transport message, the key     *)
(* confirmation, on the same path (BUG_ConfirmNotRelayed: always direct).  *)
(***************************************************************************)
ProcessResponse(m) ==
    /\ m.type = "Resp" /\ m.dst = Ini /\ m.to = Ini
    /\ chan[m.ctx][Ini][m.src].st = "Establishing"
    /\ chan[m.ctx][Ini][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![m.ctx][Ini][m.src].st = "Active"]
    /\ rlog' = [rlog EXCEPT ![Ini] = @ \cup {[op |-> "Resp", ctx |-> m.ctx, src |-> m.src,
                                              ep |-> m.ep]}]
    /\ net' = net \cup {[type |-> "Confirm", ctx |-> m.ctx, src |-> Ini,
                         dst |-> IF BUG_ConfirmNotRelayed THEN m.src ELSE RVHop(m.path, m.src),
                         to |-> m.src, path |-> m.path,
                         ep |-> m.ep, id |-> m.id, dok |-> TRUE]}
    /\ sent' = sent \cup {[src |-> Ini, type |-> "Confirm", ctx |-> m.ctx,
                           after |-> "Allowed"]}
    /\ UNCHANGED <<now, epoch, journal, spent, nextId, lastTs, hsLog, confirmed>>

(***************************************************************************)
(* KeyConfirm(m): Resp's Establishing channel decrypts the first transport *)
(* message: Active, and ChannelEstablished is journaled.  The PSK is       *)
(* proven: msg 1's timestamp enters the replay guard (lastTs).             *)
(***************************************************************************)
KeyConfirm(m) ==
    /\ m.type = "Confirm" /\ m.dst = Resp /\ m.to = Resp
    /\ chan[m.ctx][Resp][m.src].st = "Establishing"
    /\ chan[m.ctx][Resp][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![m.ctx][Resp][m.src].st = "Active"]
    /\ confirmed' = confirmed \cup {m.id}
    /\ journal' = [journal EXCEPT ![m.ctx][Resp] = @ \cup
                     {[kind |-> "ChannelEstablished", auth |-> m.src, from |-> 0, until |-> 0,
                       nonce |-> 0, id |-> m.id, ep |-> m.ep]}]
    /\ lastTs' = [lastTs EXCEPT ![m.ctx][m.src] = IF m.id > @ THEN m.id ELSE @]
    /\ UNCHANGED <<now, epoch, spent, nextId, net, hsLog, rlog, sent>>

(***************************************************************************)
(* AdvanceEpoch(c): context c moves to its next epoch; its Establishing    *)
(* and Active channels become Rotating; budgets restart at 0; the replay   *)
(* guard is per epoch, so c's starts empty.                                *)
(***************************************************************************)
AdvanceEpoch(c) ==
    /\ epoch[c] < MaxEpoch
    /\ epoch' = [epoch EXCEPT ![c] = @ + 1]
    /\ chan' = [chan EXCEPT ![c] =
                  [a \in Peers |-> [p \in Senders |->
                     IF chan[c][a][p].st \in {"Establishing", "Active"}
                       THEN [chan[c][a][p] EXCEPT !.st = "Rotating"]
                       ELSE chan[c][a][p]]]]
    /\ lastTs' = [lastTs EXCEPT ![c] = [i \in Senders |-> 0]]
    /\ UNCHANGED <<now, journal, spent, nextId, net, hsLog, rlog, sent, confirmed>>

(***************************************************************************)
(* InjectInit(c): the attacker, with the Outsider's own static key, sends *)
(* a msg 1 to Resp in c (once).                                            *)
(***************************************************************************)
InjectInit(c) ==
    /\ \A m \in net : m.src # Outsider
    /\ net' = net \cup {[type |-> "Init", ctx |-> c, src |-> Outsider, dst |-> Resp,
                         to |-> Resp, path |-> "direct", ep |-> epoch[c], id |-> 1,
                         dok |-> TRUE]}
    /\ UNCHANGED <<now, epoch, journal, spent, chan, nextId, lastTs, hsLog, rlog, sent,
                   confirmed>>

(***************************************************************************)
(* InjectJunk(c): a member (or anyone claiming a member's id) hands the    *)
(* relay an envelope that is no protocol message, addressed to Resp.  No   *)
(* step but RelayForward reads it and `net` only grows, so injecting it   *)
(* first, once, covers every interleaving of its forward; outside RelayCtx *)
(* the relay drops every envelope anyway.                                  *)
(***************************************************************************)
InjectJunk(c) ==
    /\ net = {}
    /\ c \in RelayCtx
    /\ net' = net \cup {[type |-> "Junk", ctx |-> c, src |-> Ini, dst |-> Relay, to |-> Resp,
                         path |-> "relay", ep |-> 0, id |-> 0, dok |-> TRUE]}
    /\ UNCHANGED <<now, epoch, journal, spent, chan, nextId, lastTs, hsLog, rlog, sent,
                   confirmed>>

(***************************************************************************)
(* Tick: time advances by one unit, up to MaxTime.                         *)
(***************************************************************************)
Tick ==
    /\ now < MaxTime
    /\ now' = now + 1
    /\ UNCHANGED <<epoch, journal, spent, chan, nextId, lastTs, net, hsLog, rlog, sent,
                   confirmed>>

RVNext ==
    \/ \E c \in Ctx :
          \/ PreparePublishDescriptor(c)
          \/ \E d \in journal[c][Resp] : RevokeDescriptor(c, d)
          \/ \E src, dst \in Peers : \E f \in journal[c][src] : SyncJournal(c, src, dst, f)
          \/ \E path \in RVPaths : PrepareEstablishChannel(c, path)
          \/ AdvanceEpoch(c)
          \/ InjectInit(c)
          \/ InjectJunk(c)
    \/ \E m \in net : RelayForward(m) \/ HandleHandshake(m) \/ ProcessResponse(m)
                      \/ KeyConfirm(m)
    \/ Tick

RVSpec == RVInit /\ [][RVNext]_vars

(***************************************************************************)
(* RVTypeOK: every variable is in its domain.                              *)
(***************************************************************************)
RVTypeOK ==
    /\ now \in 0..MaxTime
    /\ epoch \in [Ctx -> RVEpochs]
    /\ journal \in [Ctx -> [Auth -> SUBSET RVFact]]
    /\ spent \in [Ctx -> [Auth -> [RVEpochs -> 0..(2 * Limit)]]]
    /\ chan \in [Ctx -> [Peers -> [Senders -> RVChan]]]
    /\ nextId \in 1..(MaxHs + 1)
    /\ lastTs \in [Ctx -> [Senders -> RVIds]]
    /\ net \subseteq RVMsg
    /\ hsLog \in Seq([resp : Peers, ini : Senders, ts : RVIds, ctx : Ctx, ep : RVEpochs])
    /\ rlog \in [Auth -> SUBSET RVReceipt]
    /\ sent \subseteq RVSent
    /\ confirmed \subseteq RVIds

(***************************************************************************)
(* RVNoMessageOnDeny: no packet is ever sent by a step that denied or      *)
(* rejected: a guard deny, a replay, a wrong epoch or a non-member leaves  *)
(* no trace on the network (DESIGN.md 7; GuardChain GCNoEffectOnDeny).     *)
(***************************************************************************)
RVNoMessageOnDeny == \A s \in sent : s.after = "Allowed"

(***************************************************************************)
(* RVChannelContextBound: a channel lookup for (context, peer) only ever   *)
(* returns a channel of that context (DESIGN.md 5).                        *)
(***************************************************************************)
RVChannelContextBound ==
    \A c \in Ctx, a \in Peers, p \in Senders : \A ch \in RVFindChannel(c, a, p) : ch.ctx = c

(***************************************************************************)
(* RVBudgetWithinLimit: no authority spends more than Limit in a context   *)
(* and epoch; a handshake is charged once (DESIGN.md 4; GuardChain         *)
(* GCBudgetWithinLimit).                                                   *)
(***************************************************************************)
RVBudgetWithinLimit ==
    \A c \in Ctx, a \in Auth, e \in RVEpochs : spent[c][a][e] <= Limit

(***************************************************************************)
(* RVReplayRejected: the responder answers each msg 1 at most once: a      *)
(* replayed first message is dropped (DESIGN.md 5; EpochRotation           *)
(* ERNoReplayedInit).                                                      *)
(***************************************************************************)
RVReplayRejected == \A i, j \in 1..Len(hsLog) : i < j => hsLog[i] # hsLog[j]
\* Not "in increasing order": the guard is per context and epoch, and only
\* key-confirmed timestamps enter it.

(***************************************************************************)
(* RVEstablishedAfterConfirm: a ChannelEstablished fact is journaled only  *)
(* after key confirmation (DESIGN.md 5; EpochRotation ERKeyConfirmed).     *)
(***************************************************************************)
RVEstablishedAfterConfirm ==
    \A c \in Ctx, m \in Auth :
        \A f \in journal[c][m] : f.kind = "ChannelEstablished" => f.id \in confirmed

(***************************************************************************)
(* RVConnectWithValidDescriptor: Ini starts a handshake only on a          *)
(* descriptor it must choose: valid, not revoked, greatest (DESIGN.md 2;   *)
(* DescriptorValidity DVRevokedNeverChosen).                               *)
(***************************************************************************)
RVConnectWithValidDescriptor == \A m \in net : (m.type = "Init" /\ m.src = Ini) => m.dok

(***************************************************************************)
(* RVNoStaleActive: an Establishing or Active channel of context c belongs *)
(* to c's current epoch: a msg 1 of a retired epoch opens nothing          *)
(* (DESIGN.md 5; EpochRotation ERNoStaleActive).                           *)
(***************************************************************************)
RVNoStaleActive ==
    \A c \in Ctx, a \in Peers, p \in Senders :
        chan[c][a][p].st \in {"Establishing", "Active"} => chan[c][a][p].ep = epoch[c]

(***************************************************************************)
(* RVRelayAuthorized: the relay forwards only in contexts where it holds   *)
(* relay:forward (DESIGN.md 6).                                            *)
(***************************************************************************)
RVRelayAuthorized == \A s \in sent : s.src = Relay => s.ctx \in RelayCtx

(***************************************************************************)
(* RVMembersOnly: a non-member never gets a channel or a receipt accepted  *)
(* (DESIGN.md 1, 5: the static key must be the roster key).                *)
(***************************************************************************)
RVMembersOnly ==
    /\ \A c \in Ctx : chan[c][Resp][Outsider].st = "None"
    /\ \A d \in Auth : \A x \in rlog[d] : x.src \in Peers

(***************************************************************************)
(* RVRelayForwardsOnlyProtocol: the relay delivers (and so pays for) only  *)
(* protocol messages between two distinct members; anything else is        *)
(* refused before the charge (seed 5.2, DESIGN.md 4 and 6).                *)
(***************************************************************************)
RVRelayForwardsOnlyProtocol ==
    \A m \in net : (m.path = "relay" /\ m.dst # Relay) => RVWellFormed(m)

(***************************************************************************)
(* RVRelayedEndToEnd: every message of a relayed handshake, the key        *)
(* confirmation included, reaches its peer through the relay: a relayed   *)
(* exchange never falls back to a direct send (seed 5.2).                  *)
(***************************************************************************)
RVRelayedEndToEnd ==
    \A m \in net : (m.path = "relay" /\ m.dst # Relay) => [m EXCEPT !.dst = Relay] \in net

(***************************************************************************)
(* RVRefreshAfterRotation: once c's epoch has moved past the epoch of      *)
(* Resp's own descriptor, needs_refresh holds: a member never stays, as    *)
(* far as it knows, with a descriptor whose PSK commitment its peers deny  *)
(* (DESIGN.md 1, 2).                                                       *)
(***************************************************************************)
RVRefreshAfterRotation == \A c \in Ctx : RVOwnStale(c) => RVNeedsRefresh(c)

\* The envelopes the relay delivered in c (each with its copy at the relay).
RVRelayForwards(c) ==
    {m \in net : m.ctx = c /\ m.path = "relay" /\ m.dst # Relay
                 /\ [m EXCEPT !.dst = Relay] \in net}

(***************************************************************************)
(* RVRelayForwardsOnce: the relay forwards an envelope once and is charged *)
(* once for it: in no epoch does it spend more than ForwardCost per        *)
(* envelope it delivered in the context; a replayed envelope is refused    *)
(* before the charge (seed 5.2, DESIGN.md 4 and 6).                        *)
(***************************************************************************)
RVRelayForwardsOnce ==
    \A c \in Ctx : \A e \in RVEpochs :
        spent[c][Relay][e] <= ForwardCost * Cardinality(RVRelayForwards(c))

THEOREM RVSpec => [](RVTypeOK /\ RVNoMessageOnDeny /\ RVChannelContextBound
                     /\ RVBudgetWithinLimit /\ RVReplayRejected /\ RVEstablishedAfterConfirm
                     /\ RVConnectWithValidDescriptor /\ RVNoStaleActive
                     /\ RVRelayAuthorized /\ RVMembersOnly
                     /\ RVRelayForwardsOnlyProtocol /\ RVRelayedEndToEnd
                     /\ RVRefreshAfterRotation /\ RVRelayForwardsOnce)
=============================================================================
