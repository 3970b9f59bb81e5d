---------------------------- MODULE WireRendezvous ----------------------------
(***************************************************************************)
(* The wire harness's view of Rendezvous.tla's direct channel path: the    *)
(* handshakes between the two members of one context, every message as    *)
(* Rendezvous's record, the responder's log of answered msg 1s and its     *)
(* key confirmations, and the Outsider's msg 1 (InjectInit).  The actions  *)
(* restate Rendezvous.tla's direct steps with their enabling conditions,   *)
(* but for the guard (no descriptor, no budget: the wire carries neither)  *)
(* and with EpochRotation.tla's close and timeout, which Rendezvous.tla    *)
(* omits.  Each member keeps its own epoch (a wire run advances one, then  *)
(* the other); the context's is the lower.  The invariants are            *)
(* Rendezvous.tla's own, by INSTANCE, on the variables substituted below;  *)
(* those it has and this path does not touch are fixed at their initial   *)
(* values.                                                                 *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS Ini, Resp, Relay, Outsider, C, MaxEpoch, MaxHs

CONSTANTS
    BUG_NoRosterCheck   \* the responder answers a non-member's msg 1

VARIABLES
    epoch,        \* epoch[a]: member a's epoch
    chan,         \* chan[a][p]: a's channel with p, [st, ep, id]
    nextId,       \* the next handshake id (Ini's timestamp order)
    lastTs,       \* lastTs[i]: the responder's replay guard for initiator i
    net,          \* every message sent, as Rendezvous.tla's records
    hsLog,        \* the msg 1s the responder answered, in order
    confirmed,    \* the handshake ids the responder key-confirmed
    established,  \* the ChannelEstablished facts the responder journaled: [id, ep]
    closed        \* closed[a]: the handshake ids a closed, failed or replaced
                  \* (EpochRotation.tla's: a timed-out msg 1 stays answered)

vars == <<epoch, chan, nextId, lastTs, net, hsLog, confirmed, established, closed>>

Peers == {Ini, Resp}
Senders == Peers \cup {Outsider}
States == {"None", "Establishing", "Active", "Rotating", "Closed", "Error"}
NoChan == [st |-> "None", ep |-> 0, id |-> 0]
CtxEpoch == IF epoch[Ini] < epoch[Resp] THEN epoch[Ini] ELSE epoch[Resp]
\* Between one member's advance and the other's nothing else happens.
Synced == epoch[Ini] = epoch[Resp]

RV == INSTANCE Rendezvous
    WITH Ini <- Ini, Resp <- Resp, Relay <- Relay, Outsider <- Outsider, Ctx <- {C},
         RelayCtx <- {}, MaxTime <- 0, Validity <- 1, Window <- 0, MaxEpoch <- MaxEpoch,
         Limit <- 0, MaxDesc <- 0, MaxHs <- MaxHs,
         BUG_ReplyOnReject <- FALSE, BUG_ChannelNotBound <- FALSE, BUG_DoubleCharge <- FALSE,
         BUG_NoReplayCheck <- FALSE, BUG_JournalBeforeConfirm <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_NoEpochCheck <- FALSE,
         BUG_RelayNoCapCheck <- FALSE, BUG_NoRosterCheck <- FALSE,
         BUG_RelayForwardsJunk <- FALSE, BUG_ConfirmNotRelayed <- FALSE,
         BUG_RefreshIgnoresEpoch <- FALSE, BUG_RelayForwardsReplay <- FALSE,
         now <- 0, epoch <- [c \in {C} |-> CtxEpoch],
         journal <- [c \in {C} |-> [m \in {Ini, Resp, Relay} |->
                       IF m = Resp
                         THEN {[kind |-> "ChannelEstablished", auth |-> Ini, from |-> 0,
                                until |-> 0, nonce |-> 0, id |-> f.id, ep |-> f.ep] :
                                 f \in established}
                         ELSE {}]],
         spent <- [c \in {C} |-> [a \in {Ini, Resp, Relay} |-> [e \in 0..MaxEpoch |-> 0]]],
         chan <- [c \in {C} |-> [a \in Peers |-> [p \in Senders |->
                    [st |-> chan[a][p].st, ep |-> chan[a][p].ep, id |-> chan[a][p].id,
                     ctx |-> c]]]],
         nextId <- nextId, lastTs <- [c \in {C} |-> lastTs], net <- net, hsLog <- hsLog,
         rlog <- [d \in {Ini, Resp, Relay} |-> {}], sent <- {}, confirmed <- confirmed

\* A Rendezvous.tla message record of the direct path.
Msg(type, src, dst, ep, id) ==
    [type |-> type, ctx |-> C, src |-> src, dst |-> dst, to |-> dst, path |-> "direct",
     ep |-> ep, id |-> id, dok |-> TRUE]

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

\* A channel being replaced is retired: its id is closed for good.
Retire(a, p) ==
    IF chan[a][p].st \in {"None", "Closed", "Error"}
      THEN closed
      ELSE [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]

\* PrepareEstablishChannel(C, "direct"), the guard aside; a closed or failed
\* channel (EpochRotation.tla) may be replaced as a Rotating one is.
PrepareEstablishChannel ==
    /\ Synced
    /\ chan[Ini][Resp].st \in {"None", "Rotating", "Closed", "Error"}
    /\ nextId <= MaxHs
    /\ chan' = [chan EXCEPT ![Ini][Resp] =
                  [st |-> "Establishing", ep |-> epoch[Ini], id |-> nextId]]
    /\ net' = net \cup {Msg("Init", Ini, Resp, epoch[Ini], nextId)}
    /\ nextId' = nextId + 1
    /\ closed' = Retire(Ini, Resp)
    /\ UNCHANGED <<epoch, lastTs, hsLog, confirmed, established>>

\* RVFreshInit on this view, with EpochRotation.tla's closed ids.
Fresh(m) ==
    LET ch == chan[Resp][m.src]
    IN  /\ m.id > lastTs[m.src]
        /\ ch.st = "Establishing" => m.id > ch.id
        /\ m.id # ch.id
        /\ m.id \notin closed[Resp]

\* HandleHandshake(m), accepted: a member's msg 1 of Resp's epoch, fresh.
HandleHandshake(m) ==
    /\ Synced
    /\ m.type = "Init" /\ m.dst = Resp
    /\ BUG_NoRosterCheck \/ m.src \in Peers
    /\ m.ep = epoch[Resp]
    /\ Fresh(m)
    /\ chan' = [chan EXCEPT ![Resp][m.src] = [st |-> "Establishing", ep |-> m.ep, id |-> m.id]]
    /\ hsLog' = Append(hsLog, [resp |-> Resp, ini |-> m.src, ts |-> m.id, ctx |-> C,
                               ep |-> m.ep])
    /\ net' = net \cup {Msg("Resp", Resp, m.src, m.ep, m.id)}
    /\ closed' = Retire(Resp, m.src)
    /\ UNCHANGED <<epoch, nextId, lastTs, confirmed, established>>

ProcessResponse(m) ==
    /\ Synced
    /\ m.type = "Resp" /\ m.dst = Ini
    /\ chan[Ini][m.src].st = "Establishing"
    /\ chan[Ini][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![Ini][m.src].st = "Active"]
    /\ net' = net \cup {Msg("Confirm", Ini, m.src, m.ep, m.id)}
    /\ UNCHANGED <<epoch, nextId, lastTs, hsLog, confirmed, established, closed>>

KeyConfirm(m) ==
    /\ Synced
    /\ m.type = "Confirm" /\ m.dst = Resp
    /\ chan[Resp][m.src].st = "Establishing"
    /\ chan[Resp][m.src].id = m.id
    /\ chan' = [chan EXCEPT ![Resp][m.src].st = "Active"]
    /\ confirmed' = confirmed \cup {m.id}
    /\ established' = established \cup {[id |-> m.id, ep |-> m.ep]}
    /\ lastTs' = [lastTs EXCEPT ![m.src] = IF m.id > @ THEN m.id ELSE @]
    /\ UNCHANGED <<epoch, nextId, net, hsLog, closed>>

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
    /\ UNCHANGED <<nextId, net, hsLog, confirmed, established, closed>>

\* EpochRotation.tla's CloseChannel and HandshakeTimeout.
CloseChannel(a, p) ==
    /\ Synced
    /\ chan[a][p].st \in {"Active", "Rotating"}
    /\ chan' = [chan EXCEPT ![a][p].st = "Closed"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, net, hsLog, confirmed, established>>

HandshakeTimeout(a, p) ==
    /\ Synced
    /\ chan[a][p].st = "Establishing"
    /\ chan' = [chan EXCEPT ![a][p].st = "Error"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][p].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, net, hsLog, confirmed, established>>

\* InjectInit(C): the Outsider's msg 1, under its own static key, once.
InjectInit ==
    /\ Synced
    /\ \A m \in net : m.src # Outsider
    /\ net' = net \cup {Msg("Init", Outsider, Resp, epoch[Resp], 1)}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, hsLog, confirmed, established, closed>>

Next ==
    \/ PrepareEstablishChannel
    \/ InjectInit
    \/ \E m \in net : HandleHandshake(m) \/ ProcessResponse(m) \/ KeyConfirm(m)
    \/ \E a \in Peers :
          \/ AdvanceEpoch(a)
          \/ \E p \in Senders : CloseChannel(a, p) \/ HandshakeTimeout(a, p)

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

RVReplayRejected == RV!RVReplayRejected
RVEstablishedAfterConfirm == RV!RVEstablishedAfterConfirm
RVNoStaleActive == RV!RVNoStaleActive
RVMembersOnly == RV!RVMembersOnly
RVChannelContextBound == RV!RVChannelContextBound
=============================================================================
