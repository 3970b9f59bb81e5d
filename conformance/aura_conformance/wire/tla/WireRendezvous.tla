---------------------------- MODULE WireRendezvous ----------------------------
(***************************************************************************)
(* The wire harness's view of Rendezvous.tla's channel path, direct and   *)
(* relayed: the handshakes between the two members of one context, every  *)
(* message as Rendezvous's record, the responder's log of answered msg 1s *)
(* and its key confirmations, and the Outsider's msg 1 (InjectInit).  The  *)
(* actions restate Rendezvous.tla's channel steps with their enabling      *)
(* conditions, with EpochRotation.tla's close and timeout, which           *)
(* Rendezvous.tla omits.                                                   *)
(*                                                                         *)
(* The wire starts a handshake two ways: Establish, whose request carries  *)
(* no guard (also the reference peer's relayed start: its guard is its     *)
(* own), and Connect (or RelayConnect: its message 1 goes to the relay),   *)
(* Rendezvous.tla's guarded PrepareEstablishChannel: a descriptor of Resp *)
(* Ini may use on that path (held: the step's parameter, bound to what the *)
(* harness's descriptor checks say Ini held), then budget (RVBudgetOK and   *)
(* ConnectCost, Rendezvous.tla's), then the charge.  A deny sends nothing; *)
(* a deny with a descriptor held (for budget) is recorded (denied) until   *)
(* Ini's epoch moves, so one the guard does not allow is a step no action  *)
(* explains.                                                               *)
(*                                                                         *)
(* The relayed path is Rendezvous.tla's: each message of a relayed         *)
(* handshake is sent to the Relay (dst) for its peer (to); RelayForward    *)
(* delivers it, once, charging the relay ForwardCost; the responder's      *)
(* relayed answer is charged CompleteCost (its direct answers carry no     *)
(* guard on the wire, so only the relayed one is modelled); the key        *)
(* confirmation goes back through the relay; InjectJunk is the attacker's  *)
(* envelope that is no protocol message.  The receipts accepted (rlog) and *)
(* the packets sent (sent) follow from net and are substituted in the      *)
(* INSTANCE, so RVRelayForwardsOnce, RVRelayAuthorized, RVRelayedEndToEnd  *)
(* and RVRelayForwardsOnlyProtocol are checked as Rendezvous.tla states.   *)
(* The wire's relay has a budget of its own (RelayLimit, more room than a  *)
(* member's: Rendezvous.tla has one Limit), so the relay's row is judged   *)
(* by a second INSTANCE with Limit <- RelayLimit (RVR), the members' by RV.*)
(*                                                                         *)
(* Each member keeps its own epoch (a wire run advances one, then the      *)
(* other); the context's is the lower.  The invariants are Rendezvous.tla's *)
(* own, by INSTANCE, on the variables substituted below; those it has and  *)
(* this path does not touch are fixed at their initial values.             *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS Ini, Resp, Relay, Outsider, C, MaxEpoch, MaxHs,
    Limit,              \* the flow budget per member and epoch (the wire Reset's budget_limit)
    RelayLimit,         \* the relay's flow budget per epoch (the reference relay's)
    RelayCtx,           \* {C} when the relay holds relay:forward in C, else {}
    Paths               \* the paths Connect takes: "direct" and, on the wire, "relay"

CONSTANTS
    BUG_NoRosterCheck,  \* the responder answers a non-member's msg 1
    BUG_NoBudgetCheck,  \* a Connect is charged but never denied for budget
    BUG_RelayForwardsReplay, \* the relay forwards (and is charged for) an envelope again
    BUG_ConfirmNotRelayed,   \* Ini's key confirmation of a relayed handshake goes direct
    BUG_RelayForwardsJunk,   \* the relay forwards an envelope that is no protocol message
    BUG_RelayNoCapCheck      \* the relay forwards without relay:forward

VARIABLES
    epoch,        \* epoch[a]: member a's epoch
    chan,         \* chan[a][p]: a's channel with p, [st, ep, id]
    nextId,       \* the next handshake id (Ini's timestamp order)
    lastTs,       \* lastTs[i]: the responder's replay guard for initiator i
    net,          \* every message sent, as Rendezvous.tla's records
    hsLog,        \* the msg 1s the responder answered, in order
    confirmed,    \* the handshake ids the responder key-confirmed
    established,  \* the ChannelEstablished facts the responder journaled: [id, ep]
    closed,       \* closed[a]: the handshake ids a closed, failed or replaced
                  \* (EpochRotation.tla's: a timed-out msg 1 stays answered)
    spent,        \* spent[a][e]: the flow budget a spent during its epoch e (Rendezvous.tla's
                  \* spent[C]; Resp's row: its relayed answers only)
    denied        \* Ini was denied for budget in its epoch

vars == <<epoch, chan, nextId, lastTs, net, hsLog, confirmed, established, closed,
          spent, denied>>

Peers == {Ini, Resp}
Senders == Peers \cup {Outsider}
States == {"None", "Establishing", "Active", "Rotating", "Closed", "Error"}
NoChan == [st |-> "None", ep |-> 0, id |-> 0]
CtxEpoch == IF epoch[Ini] < epoch[Resp] THEN epoch[Ini] ELSE epoch[Resp]
\* Between one member's advance and the other's nothing else happens.
Synced == epoch[Ini] = epoch[Resp]

\* Rendezvous.tla's variables on this view.  rlog: the receipts a member took,
\* only on the relayed path (the wire's direct messages carry none): Resp's of
\* each relayed message 1 it answered, Ini's of each relayed message 2 it
\* confirmed.  sent: every packet of a member, and each forward of the relay
\* (the copy it delivered); a deny sends nothing on this view.
RVJournal == [c \in {C} |-> [m \in {Ini, Resp, Relay} |->
                IF m = Resp
                  THEN {[kind |-> "ChannelEstablished", auth |-> Ini, from |-> 0,
                         until |-> 0, nonce |-> 0, id |-> f.id, ep |-> f.ep] :
                          f \in established}
                  ELSE {}]]
RVChanOf == [c \in {C} |-> [a \in Peers |-> [p \in Senders |->
                [st |-> chan[a][p].st, ep |-> chan[a][p].ep, id |-> chan[a][p].id, ctx |-> c]]]]
RVRlog == [d \in {Ini, Resp, Relay} |->
             IF d = Relay THEN {}
             ELSE {[op |-> IF d = Resp THEN "Init" ELSE "Resp", ctx |-> m.ctx, src |-> m.to,
                    ep |-> m.ep] :
                     m \in {x \in net : /\ x.path = "relay"
                                        /\ x.type = IF d = Resp THEN "Resp" ELSE "Confirm"
                                        /\ x.src = d}}]
RVForwarded(m) == m.path = "relay" /\ m.dst # Relay
RVSentLog ==
    {[src |-> IF RVForwarded(m) THEN Relay ELSE m.src,
      type |-> IF RVForwarded(m) THEN "Forward" ELSE m.type, ctx |-> m.ctx,
      after |-> "Allowed"] : m \in {x \in net : RVForwarded(x) \/ x.src \in Peers}}
\* Members' rows only (RV); the relay's is judged against its own limit (RVR).
MemberSpent == [a \in {Ini, Resp, Relay} |->
                  IF a = Relay THEN [e \in 0..MaxEpoch |-> 0] ELSE spent[a]]

RV == INSTANCE Rendezvous
    WITH Ini <- Ini, Resp <- Resp, Relay <- Relay, Outsider <- Outsider, Ctx <- {C},
         RelayCtx <- RelayCtx, MaxTime <- 0, Validity <- 1, Window <- 0, MaxEpoch <- MaxEpoch,
         Limit <- Limit, MaxDesc <- 0, MaxHs <- MaxHs,
         BUG_ReplyOnReject <- FALSE, BUG_ChannelNotBound <- FALSE, BUG_DoubleCharge <- FALSE,
         BUG_NoReplayCheck <- FALSE, BUG_JournalBeforeConfirm <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_NoEpochCheck <- FALSE,
         BUG_RelayNoCapCheck <- BUG_RelayNoCapCheck, BUG_NoRosterCheck <- BUG_NoRosterCheck,
         BUG_RelayForwardsJunk <- BUG_RelayForwardsJunk,
         BUG_ConfirmNotRelayed <- BUG_ConfirmNotRelayed,
         BUG_RefreshIgnoresEpoch <- FALSE, BUG_RelayForwardsReplay <- BUG_RelayForwardsReplay,
         now <- 0, epoch <- [c \in {C} |-> CtxEpoch], journal <- RVJournal,
         spent <- [c \in {C} |-> MemberSpent], chan <- RVChanOf,
         nextId <- nextId, lastTs <- [c \in {C} |-> lastTs], net <- net, hsLog <- hsLog,
         rlog <- RVRlog, sent <- RVSentLog, confirmed <- confirmed

\* The same state with the relay's row of spent, under the relay's limit.
RVR == INSTANCE Rendezvous
    WITH Ini <- Ini, Resp <- Resp, Relay <- Relay, Outsider <- Outsider, Ctx <- {C},
         RelayCtx <- RelayCtx, MaxTime <- 0, Validity <- 1, Window <- 0, MaxEpoch <- MaxEpoch,
         Limit <- RelayLimit, MaxDesc <- 0, MaxHs <- MaxHs,
         BUG_ReplyOnReject <- FALSE, BUG_ChannelNotBound <- FALSE, BUG_DoubleCharge <- FALSE,
         BUG_NoReplayCheck <- FALSE, BUG_JournalBeforeConfirm <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_NoEpochCheck <- FALSE,
         BUG_RelayNoCapCheck <- BUG_RelayNoCapCheck, BUG_NoRosterCheck <- BUG_NoRosterCheck,
         BUG_RelayForwardsJunk <- BUG_RelayForwardsJunk,
         BUG_ConfirmNotRelayed <- BUG_ConfirmNotRelayed,
         BUG_RefreshIgnoresEpoch <- FALSE, BUG_RelayForwardsReplay <- BUG_RelayForwardsReplay,
         now <- 0, epoch <- [c \in {C} |-> CtxEpoch], journal <- RVJournal,
         spent <- [c \in {C} |-> spent], chan <- RVChanOf,
         nextId <- nextId, lastTs <- [c \in {C} |-> lastTs], net <- net, hsLog <- hsLog,
         rlog <- RVRlog, sent <- RVSentLog, confirmed <- confirmed

\* A Rendezvous.tla message record from src for its peer `to` on `path`, sent to
\* the next hop (dst: the relay on the relayed path); `dok`: sent on a
\* descriptor Ini may use (a message 1 of Establish, which has no guard, counts
\* as one: the request names no descriptor).
MsgP(type, src, to, path, ep, id, dok) ==
    [type |-> type, ctx |-> C, src |-> src, dst |-> RV!RVHop(path, to), to |-> to,
     path |-> path, ep |-> ep, id |-> id, dok |-> dok]
Msg(type, src, dst, ep, id) == MsgP(type, src, dst, "direct", ep, id, TRUE)



\* Rendezvous.tla's guard on this view: the context's epoch is Ini's when synced.
BudgetOK == RV!RVBudgetOK(C, Ini, RV!ConnectCost)

Init ==
    /\ epoch = [a \in Peers |-> 0]
    /\ chan = [a \in Peers |-> [p \in Senders |-> NoChan]]
    /\ nextId = 1
    /\ lastTs = [i \in Senders |-> 0]
    /\ net = {}
    /\ hsLog = <<>>
    /\ confirmed = {}
    /\ established = {}
    /\ closed = [a \in Peers |-> {}]
    /\ spent = [a \in {Ini, Resp, Relay} |-> [e \in 0..MaxEpoch |-> 0]]
    /\ denied = FALSE

\* A channel being replaced is retired: its id is closed for good.
Retire(a, p) ==
    IF chan[a][p].st \in {"None", "Closed", "Error"}
      THEN closed
      ELSE [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]

\* PrepareEstablishChannel(C, path)'s effect: a closed or failed channel
\* (EpochRotation.tla) may be replaced as a Rotating one is.
StartHandshake(path, dok) ==
    /\ Synced
    /\ chan[Ini][Resp].st \in {"None", "Rotating", "Closed", "Error"}
    /\ nextId <= MaxHs
    /\ chan' = [chan EXCEPT ![Ini][Resp] =
                  [st |-> "Establishing", ep |-> epoch[Ini], id |-> nextId]]
    /\ net' = net \cup {MsgP("Init", Ini, Resp, path, epoch[Ini], nextId, dok)}
    /\ nextId' = nextId + 1
    /\ closed' = Retire(Ini, Resp)
    /\ UNCHANGED <<epoch, lastTs, hsLog, confirmed, established>>

\* The wire's Establish: PrepareEstablishChannel(C, path), the guard aside (the
\* reference peer's relayed start: its guard is its own, not observed).
PrepareEstablishChannel(path) ==
    /\ StartHandshake(path, TRUE)
    /\ UNCHANGED <<spent, denied>>

\* Connect / RelayConnect: PrepareEstablishChannel(C, path) with its guard, a
\* descriptor Ini may use on the path (held), then budget; charged, then sent.
Connect(path, held) ==
    /\ StartHandshake(path, held)
    /\ held
    /\ BUG_NoBudgetCheck \/ BudgetOK
    /\ spent' = [spent EXCEPT ![Ini][epoch[Ini]] = @ + RV!ConnectCost]
    /\ UNCHANGED denied

\* RVDeny("NoValidDescriptor") or, a descriptor held, RVDeny("InsufficientBudget"):
\* nothing sent, nothing charged.  The budget deny is recorded: within an epoch
\* spent only grows, so once recorded every later one is allowed too.
DenyConnect(path, held) ==
    /\ Synced
    /\ ~(held /\ BudgetOK)
    /\ denied' = (denied \/ held)
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, net, hsLog, confirmed, established, closed,
                   spent>>

\* RVFreshInit on this view, with EpochRotation.tla's closed ids.
Fresh(m) ==
    LET ch == chan[Resp][m.src]
    IN  /\ m.id > lastTs[m.src]
        /\ ch.st = "Establishing" => m.id > ch.id
        /\ m.id # ch.id
        /\ m.id \notin closed[Resp]

\* HandleHandshake(m), accepted: a member's msg 1 of Resp's epoch, fresh.  On
\* the relayed path its answer (RelayResponse) is charged CompleteCost to Resp
\* when its budget has room (a deny sends nothing: a stutter).
HandleHandshake(m) ==
    /\ Synced
    /\ m.type = "Init" /\ m.dst = Resp /\ m.to = Resp
    /\ BUG_NoRosterCheck \/ m.src \in Peers
    /\ m.ep = epoch[Resp]
    /\ Fresh(m)
    /\ m.path = "relay" => RV!RVBudgetOK(C, Resp, RV!CompleteCost)
    /\ chan' = [chan EXCEPT ![Resp][m.src] = [st |-> "Establishing", ep |-> m.ep, id |-> m.id]]
    /\ hsLog' = Append(hsLog, [resp |-> Resp, ini |-> m.src, ts |-> m.id, ctx |-> C,
                               ep |-> m.ep])
    /\ net' = net \cup {MsgP("Resp", Resp, m.src, m.path, m.ep, m.id, TRUE)}
    /\ closed' = Retire(Resp, m.src)
    /\ spent' = IF m.path = "relay"
                 THEN [spent EXCEPT ![Resp][epoch[Resp]] = @ + RV!CompleteCost]
                 ELSE spent
    /\ UNCHANGED <<epoch, nextId, lastTs, confirmed, established, denied>>

ProcessResponse(m) ==
    /\ Synced
    /\ m.type = "Resp" /\ m.dst = Ini /\ m.to = Ini
    /\ chan[Ini][m.src].st = "Establishing"
    /\ chan[Ini][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![Ini][m.src].st = "Active"]
    \* The key confirmation goes the handshake's way (BUG_ConfirmNotRelayed: direct).
    /\ net' = net \cup {[MsgP("Confirm", Ini, m.src, m.path, m.ep, m.id, TRUE) EXCEPT
                           !.dst = IF BUG_ConfirmNotRelayed THEN m.src ELSE @]}
    /\ UNCHANGED <<epoch, nextId, lastTs, hsLog, confirmed, established, closed, spent,
                   denied>>

KeyConfirm(m) ==
    /\ Synced
    /\ m.type = "Confirm" /\ m.dst = Resp /\ m.to = Resp
    /\ chan[Resp][m.src].st = "Establishing"
    /\ chan[Resp][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![Resp][m.src].st = "Active"]
    /\ confirmed' = confirmed \cup {m.id}
    /\ established' = established \cup {[id |-> m.id, ep |-> m.ep]}
    /\ lastTs' = [lastTs EXCEPT ![m.src] = IF m.id > @ THEN m.id ELSE @]
    /\ UNCHANGED <<epoch, nextId, net, hsLog, closed, spent, denied>>

\* AdvanceEpoch, one member at a time, the other next.
AdvanceEpoch(a) ==
    /\ epoch[a] < MaxEpoch
    /\ \A b \in Peers : epoch[a] <= epoch[b]
    /\ epoch' = [epoch EXCEPT ![a] = @ + 1]
    /\ chan' = [chan EXCEPT ![a] = [p \in Senders |->
                  IF chan[a][p].st \in {"Establishing", "Active"}
                    THEN [chan[a][p] EXCEPT !.st = "Rotating"]
                    ELSE chan[a][p]]]
    /\ lastTs' = IF a = Resp THEN [i \in Senders |-> 0] ELSE lastTs
    \* Ini's new epoch starts a fresh budget (spent is per epoch): no deny stands.
    /\ denied' = IF a = Ini THEN FALSE ELSE denied
    /\ UNCHANGED <<nextId, net, hsLog, confirmed, established, closed, spent>>

\* EpochRotation.tla's CloseChannel and HandshakeTimeout.
CloseChannel(a, p) ==
    /\ Synced
    /\ chan[a][p].st \in {"Active", "Rotating"}
    /\ chan' = [chan EXCEPT ![a][p].st = "Closed"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, net, hsLog, confirmed, established, spent,
                   denied>>

HandshakeTimeout(a, p) ==
    /\ Synced
    /\ chan[a][p].st = "Establishing"
    /\ chan' = [chan EXCEPT ![a][p].st = "Error"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, net, hsLog, confirmed, established, spent,
                   denied>>

\* InjectInit(C): the Outsider's msg 1, under its own static key, once.
InjectInit ==
    /\ Synced
    /\ \A m \in net : m.src # Outsider
    /\ net' = net \cup {Msg("Init", Outsider, Resp, epoch[Resp], 1)}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, hsLog, confirmed, established, closed, spent,
                   denied>>

\* RelayForward(m): Rendezvous.tla's, the relay's epoch the context's: an
\* envelope not forwarded yet (BUG_RelayForwardsReplay: again), a protocol
\* message between two members (BUG_RelayForwardsJunk: anything), relay:forward
\* in C (BUG_RelayNoCapCheck: without), then the relay's budget; charged
\* ForwardCost, delivered to its peer.  Otherwise the relay drops it: a stutter.
RelayForward(m) ==
    /\ Synced
    /\ m.dst = Relay
    /\ BUG_RelayForwardsReplay \/ [m EXCEPT !.dst = m.to] \notin net
    /\ BUG_RelayForwardsJunk \/ RV!RVWellFormed(m)
    /\ BUG_RelayNoCapCheck \/ C \in RelayCtx
    /\ spent[Relay][epoch[Ini]] + RV!ForwardCost <= RelayLimit
    /\ spent' = [spent EXCEPT ![Relay][epoch[Ini]] = @ + RV!ForwardCost]
    /\ net' = net \cup {[m EXCEPT !.dst = m.to]}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, hsLog, confirmed, established, closed, denied>>

\* InjectJunk(C): an envelope that is no protocol message, for Resp, handed to
\* the relay in Ini's name, once (Rendezvous.tla injects it first; here at any
\* point, which the wire's attacker needs and which only adds behaviours).
InjectJunk ==
    /\ "relay" \in Paths
    /\ Synced
    /\ \A m \in net : m.type # "Junk"
    /\ net' = net \cup {[type |-> "Junk", ctx |-> C, src |-> Ini, dst |-> Relay, to |-> Resp,
                         path |-> "relay", ep |-> 0, id |-> 0, dok |-> TRUE]}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, hsLog, confirmed, established, closed, spent,
                   denied>>

Next ==
    \/ \E path \in {"direct"} \cup Paths : PrepareEstablishChannel(path)
    \/ InjectInit
    \/ InjectJunk
    \/ \E m \in net : HandleHandshake(m) \/ ProcessResponse(m) \/ KeyConfirm(m)
                      \/ RelayForward(m)
    \/ \E a \in Peers :
          \/ AdvanceEpoch(a)
          \/ \E p \in Senders : CloseChannel(a, p) \/ HandshakeTimeout(a, p)
    \/ \E path \in Paths, held \in BOOLEAN : Connect(path, held) \/ DenyConnect(path, held)

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ epoch \in [Peers -> 0..MaxEpoch]
    /\ chan \in [Peers -> [Senders -> [st : States, ep : 0..MaxEpoch, id : 0..MaxHs]]]
    /\ nextId \in 1..(MaxHs + 1)
    /\ lastTs \in [Senders -> 0..MaxHs]
    /\ net \subseteq RV!RVMsg
    /\ confirmed \subseteq 0..MaxHs
    /\ established \subseteq [id : 0..MaxHs, ep : 0..MaxEpoch]
    /\ closed \in [Peers -> SUBSET (0..MaxHs)]
    /\ DOMAIN spent = {Ini, Resp, Relay}
    /\ \A a \in {Ini, Resp, Relay} :
          /\ DOMAIN spent[a] = 0..MaxEpoch
          /\ \A e \in 0..MaxEpoch :
                spent[a][e] \in 0..(2 * (IF a = Relay THEN RelayLimit ELSE Limit))
    /\ denied \in BOOLEAN

RVReplayRejected == RV!RVReplayRejected
RVEstablishedAfterConfirm == RV!RVEstablishedAfterConfirm
RVNoStaleActive == RV!RVNoStaleActive
RVMembersOnly == RV!RVMembersOnly
RVChannelContextBound == RV!RVChannelContextBound
RVBudgetWithinLimit == RV!RVBudgetWithinLimit /\ RVR!RVBudgetWithinLimit
RVConnectWithValidDescriptor == RV!RVConnectWithValidDescriptor
RVNoMessageOnDeny == RV!RVNoMessageOnDeny
RVRelayAuthorized == RV!RVRelayAuthorized
RVRelayForwardsOnlyProtocol == RV!RVRelayForwardsOnlyProtocol
RVRelayedEndToEnd == RV!RVRelayedEndToEnd
RVRelayForwardsOnce == RVR!RVRelayForwardsOnce
=============================================================================
