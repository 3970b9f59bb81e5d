--------------------------- MODULE RelayConformance ---------------------------
(***************************************************************************)
(* The conformance harness's view of Rendezvous.tla's relay path: every     *)
(* envelope on the wire (`net`, Rendezvous's message records) and what the *)
(* relay spent per context.  The actions are Rendezvous.tla's relayed       *)
(* steps (path "relay", one epoch), each with the same enabling condition  *)
(* and the same record it adds; the invariants are Rendezvous.tla's own,    *)
(* by INSTANCE, evaluated on this `net`.  The variables Rendezvous.tla has  *)
(* and the relay path does not touch are fixed at their initial values in  *)
(* the INSTANCE: neither invariant reads them.                              *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS Ini, Resp, Relay, Outsider, Ctx, RelayCtx, Limit, MaxHs

CONSTANTS
    BUG_FirstRelayOnly  \* Ini tries only the first relay hint of Resp's descriptor

VARIABLES
    net,     \* every envelope ever put on the wire (Rendezvous.tla's RVMsg records)
    spent,   \* spent[c]: the relay's flow budget spent in context c
    nextId   \* the next handshake id (Ini's timestamp order)

vars == <<net, spent, nextId>>

RV == INSTANCE Rendezvous
    WITH Ini <- Ini, Resp <- Resp, Relay <- Relay, Outsider <- Outsider, Ctx <- Ctx,
         RelayCtx <- RelayCtx, MaxTime <- 0, Validity <- 1, Window <- 0, MaxEpoch <- 0,
         Limit <- Limit, MaxDesc <- 0, MaxHs <- MaxHs,
         BUG_ReplyOnReject <- FALSE, BUG_ChannelNotBound <- FALSE, BUG_DoubleCharge <- FALSE,
         BUG_NoReplayCheck <- FALSE, BUG_JournalBeforeConfirm <- FALSE,
         BUG_IgnoreRevocation <- FALSE, BUG_NoEpochCheck <- FALSE,
         BUG_RelayNoCapCheck <- FALSE, BUG_NoRosterCheck <- FALSE,
         BUG_RelayForwardsJunk <- FALSE, BUG_ConfirmNotRelayed <- FALSE,
         BUG_RefreshIgnoresEpoch <- FALSE, BUG_RelayForwardsReplay <- FALSE,
         now <- 0, epoch <- [c \in Ctx |-> 0],
         journal <- [c \in Ctx |-> [m \in {Ini, Resp, Relay} |-> {}]],
         spent <- [c \in Ctx |-> [a \in {Ini, Resp, Relay} |-> [e \in {0} |-> 0]]],
         chan <- [c \in Ctx |-> [a \in {Ini, Resp} |-> [p \in {Ini, Resp, Outsider} |->
                    [st |-> "None", ep |-> 0, id |-> 0, ctx |-> c]]]],
         nextId <- nextId, lastTs <- [c \in Ctx |-> [i \in {Ini, Resp, Outsider} |-> 0]],
         net <- net, hsLog <- <<>>, rlog <- [d \in {Ini, Resp, Relay} |-> {}], sent <- {},
         confirmed <- {}

\* A Rendezvous.tla message record of the relay path.
Msg(type, c, src, dst, to, id) ==
    [type |-> type, ctx |-> c, src |-> src, dst |-> dst, to |-> to, path |-> "relay",
     ep |-> 0, id |-> id, dok |-> TRUE]

Init ==
    /\ net = {}
    /\ spent = [c \in Ctx |-> 0]
    /\ nextId = 1

\* The relay hints of Resp's descriptor, in its order: first a relay that is no
\* member of the context (unusable), then the context's relay.
Hints == <<Outsider, Relay>>

\* A hint Ini may relay through: a member other than the two ends.
RVUsableRelay(r) == r \in RV!Auth \ {Ini, Resp}

\* PrepareEstablishChannel(c, "relay"): RelayRequest carries message 1 to the first
\* usable relay hint.  Under BUG_FirstRelayOnly only the first hint is tried: it is
\* unusable, so the connect is denied and its handshake id is spent for nothing.
RelayRequest(c) ==
    /\ nextId <= MaxHs
    /\ IF BUG_FirstRelayOnly /\ ~RVUsableRelay(Hints[1])
         THEN UNCHANGED net
         ELSE net' = net \cup {Msg("Init", c, Ini, RV!RVHop("relay", Resp), Resp, nextId)}
    /\ nextId' = nextId + 1
    /\ UNCHANGED spent

\* RelayForward(m): RelayForward / RelayComplete, for the relay's ForwardCost.
RelayForward(m) ==
    /\ m.dst = Relay
    /\ [m EXCEPT !.dst = m.to] \notin net
    /\ RV!RVWellFormed(m)
    /\ m.ctx \in RelayCtx
    /\ spent[m.ctx] + RV!ForwardCost <= Limit
    /\ net' = net \cup {[m EXCEPT !.dst = m.to]}
    /\ spent' = [spent EXCEPT ![m.ctx] = @ + RV!ForwardCost]
    /\ UNCHANGED nextId

\* HandleHandshake(m), accepted: RelayResponse carries message 2 back to the relay.
HandleHandshake(m) ==
    /\ m.type = "Init" /\ m.dst = Resp /\ m.to = Resp /\ m.src = Ini
    /\ net' = net \cup {Msg("Resp", m.ctx, Resp, RV!RVHop(m.path, m.src), m.src, m.id)}
    /\ UNCHANGED <<spent, nextId>>

\* ProcessResponse(m): the key confirmation goes back on the same path.
ProcessResponse(m) ==
    /\ m.type = "Resp" /\ m.dst = Ini /\ m.to = Ini
    /\ net' = net \cup {Msg("Confirm", m.ctx, Ini, RV!RVHop(m.path, m.src), m.src, m.id)}
    /\ UNCHANGED <<spent, nextId>>

\* InjectJunk(c): an envelope that is no protocol message, handed to the relay.
InjectJunk(c) ==
    /\ net' = net \cup {Msg("Junk", c, Ini, Relay, Resp, 0)}
    /\ UNCHANGED <<spent, nextId>>

Next ==
    \/ \E c \in Ctx : RelayRequest(c) \/ InjectJunk(c)
    \/ \E m \in net : RelayForward(m) \/ HandleHandshake(m) \/ ProcessResponse(m)

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ net \subseteq RV!RVMsg
    /\ spent \in [Ctx -> 0..Limit]
    /\ nextId \in 1..(MaxHs + 1)

RVRelayForwardsOnlyProtocol == RV!RVRelayForwardsOnlyProtocol
RVRelayedEndToEnd == RV!RVRelayedEndToEnd

(***************************************************************************)
(* RVRelayFallback: every relayed connect Ini started went out through a   *)
(* usable relay hint of Resp's descriptor while one is listed: a hint that *)
(* is no member (or that the caller saw fail) is skipped, never the end of *)
(* the attempt (seed 5.2).                                                  *)
(***************************************************************************)
RVRelayFallback ==
    (\E i \in DOMAIN Hints : RVUsableRelay(Hints[i])) =>
        \A id \in 1..(nextId - 1) :
            \E m \in net : m.type = "Init" /\ m.src = Ini /\ m.id = id /\ RVUsableRelay(m.dst)

(***************************************************************************)
(* RVRelayForwardsOnce: the relay is charged once per envelope it          *)
(* delivered (Rendezvous.tla's invariant on this model's spending).         *)
(***************************************************************************)
RVRelayForwardsOnce ==
    \A c \in Ctx : spent[c] <= RV!ForwardCost * Cardinality(RV!RVRelayForwards(c))
=============================================================================
