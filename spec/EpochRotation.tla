--------------------------- MODULE EpochRotation ---------------------------
(***************************************************************************)
(* Epochs, handshake PSKs and secure channels (DESIGN.md sections 1, 5).   *)
(*                                                                         *)
(* Ini and Resp are members of one context.  Each keeps its own epoch;     *)
(* the handshake PSK of epoch e is secret (derived from the context key of *)
(* e).  Ini runs Noise IKpsk2: Init (msg 1, carrying the epoch in the      *)
(* prologue and a monotonic timestamp, here the handshake id), Resp (msg  *)
(* 2, after which Ini knows the PSK matched) and the first transport      *)
(* message, which confirms the keys to Resp.  A channel is one slot per   *)
(* (local, peer) holding its state, epoch, id (the handshake hash) and     *)
(* PSK.  AdvanceEpoch marks older channels Rotating; a rekey is a new      *)
(* handshake under the new epoch's PSK (new id); Closed and Error are      *)
(* terminal for their id.  The network is a set of messages that never    *)
(* shrinks: loss, duplication, reordering and replay by an attacker are   *)
(* all "a message of the set is delivered, any number of times, or never". *)
(* The attacker also holds Ini's static key but not the current PSK: it   *)
(* makes a msg 1 under a retired PSK (InjectInit) and tampered msg 2s      *)
(* (ForgeResponse); neither may change what an honest run can do.          *)
(*                                                                         *)
(* Omitted, and why: contexts (one context; Rendezvous.tla adds context    *)
(* binding), static-key checks (Rendezvous.tla), Noise transport nonces    *)
(* (the cipher state's own counters, tested against the vectors), and the  *)
(* contents of messages.  ERHandshakeTerminates is the one liveness        *)
(* property, under weak fairness of HandshakeTimeout (ERFairSpec).         *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Ini,       \* the initiator
    Resp,      \* the responder
    MaxEpoch,  \* epochs are 0..MaxEpoch
    MaxHs      \* at most MaxHs handshakes (ids 1..MaxHs)

CONSTANTS
    BUG_ReviveClosed,         \* a late msg 2 revives a Closed or Error channel
    BUG_ActiveBeforeConfirm,  \* the responder is Active before key confirmation
    BUG_NoReplayCheck,        \* the responder accepts a replayed msg 1
    BUG_PskFromPublicIds,     \* the PSK is derived from public ids only
    BUG_AcceptRetiredEpoch,   \* data of a rotating channel's old keys is accepted
    BUG_RotateInPlace,        \* the seed's rotate(): new epoch, same keys
    BUG_NoEpochBinding,       \* the prologue does not bind the epoch
    BUG_LazyEpochAdvance,     \* an epoch advance leaves the old channels as they are
    BUG_ReplayBeforeAuth,     \* msg 1's timestamp is recorded before the PSK is proven
    BUG_ReplayAcrossEpochs,   \* the replay guard is not scoped per epoch
    BUG_ForgedRespKillsPending,\* a msg 2 that does not authenticate ends the handshake
    BUG_EpochJudgedUnknown     \* a message naming no held channel is judged by epoch 0

ASSUME ERConstantsOK == Ini # Resp /\ MaxEpoch \in Nat /\ MaxHs \in Nat

Auth == {Ini, Resp}
EREpochs == 0..MaxEpoch
\* Honest timestamps are 1..MaxHs; ERHugeTs(e) is the attacker's, above them all.
ERHugeTs(e) == MaxHs + 1 + e
ERIds == 0..ERHugeTs(MaxEpoch)
ERStates == {"None", "Establishing", "Active", "Rotating", "Closed", "Error"}

(***************************************************************************)
(* Key material: 0 stands for anything derivable from public ids; the     *)
(* secret PSK of epoch e is e + 1 (DESIGN.md 1).                           *)
(***************************************************************************)
ERPublicPsk == 0
ERPsk(e) == IF BUG_PskFromPublicIds THEN ERPublicPsk ELSE e + 1
\* What the attacker keys its msg 1 of epoch e > 0 with: the retired PSK.
ERWrongPsk(e) == ERPsk(e - 1)

ERChan == [st : ERStates, ep : EREpochs, id : ERIds, psk : 0..(MaxEpoch + 1)]
ERMsg == [type : {"Init", "Resp", "Data"}, src : Auth, dst : Auth, ep : EREpochs,
          id : ERIds, psk : 0..(MaxEpoch + 1)]

VARIABLES
    epoch,        \* epoch[a]: the current epoch of a
    chan,         \* chan[a][b]: a's channel with peer b
    nextId,       \* the next handshake id (also the initiator's timestamp)
    lastTs,       \* lastTs[r][i]: the greatest timestamp of a handshake from i that r
                  \* key-confirmed in r's current epoch (the replay guard)
    msgs,         \* every message ever sent (the attacker may replay any)
    respLog,      \* the ids of the msg 1s the responder accepted, in order
    confirmed,    \* the ids the responder key-confirmed
    established,  \* the ChannelEstablished facts journaled
    closed,       \* closed[a]: the channel ids a closed, failed or retired
    received,     \* the data accepted: channel id, sealing epoch, receiver's epoch
    iniLog,       \* the msg 2s the initiator acted on
    mistyped      \* a message naming no channel its receiver holds got another reason

vars == <<epoch, chan, nextId, lastTs, msgs, respLog, confirmed, established, closed,
          received, iniLog, mistyped>>

ERNoChan == [st |-> "None", ep |-> 0, id |-> 0, psk |-> 0]

(***************************************************************************)
(* The initial predicate: epoch 0, no channel, nothing sent.               *)
(***************************************************************************)
ERInit ==
    /\ epoch = [a \in Auth |-> 0]
    /\ chan = [a \in Auth |-> [b \in Auth |-> ERNoChan]]
    /\ nextId = 1
    /\ lastTs = [a \in Auth |-> [b \in Auth |-> 0]]
    /\ msgs = {}
    /\ respLog = <<>>
    /\ confirmed = {}
    /\ established = {}
    /\ closed = [a \in Auth |-> {}]
    /\ received = {}
    /\ iniLog = {}
    /\ mistyped = FALSE

\* A channel being replaced is retired: its id is closed for good.
ERRetire(a, b) ==
    IF chan[a][b].st \in {"None", "Closed", "Error"}
      THEN closed
      ELSE [closed EXCEPT ![a] = @ \cup {chan[a][b].id}]

(***************************************************************************)
(* PrepareEstablishChannel: Ini starts a handshake (a first one or a      *)
(* rekey of a Rotating channel) under the PSK of its epoch.  Enabled iff  *)
(* Ini has no Establishing or Active channel and ids are left.             *)
(***************************************************************************)
PrepareEstablishChannel ==
    /\ chan[Ini][Resp].st \in {"None", "Rotating", "Closed", "Error"}
    /\ nextId <= MaxHs
    /\ chan' = [chan EXCEPT ![Ini][Resp] =
                  [st |-> "Establishing", ep |-> epoch[Ini], id |-> nextId,
                   psk |-> ERPsk(epoch[Ini])]]
    /\ closed' = ERRetire(Ini, Resp)
    /\ msgs' = msgs \cup {[type |-> "Init", src |-> Ini, dst |-> Resp, ep |-> epoch[Ini],
                           id |-> nextId, psk |-> ERPsk(epoch[Ini])]}
    /\ nextId' = nextId + 1
    /\ UNCHANGED <<epoch, lastTs, respLog, confirmed, established, received, iniLog, mistyped>>

(***************************************************************************)
(* ERFreshInit(m): msg 1's timestamp passes the responder's replay check: *)
(* above the greatest key-confirmed one of the epoch (lastTs), above its   *)
(* pending handshake's with that initiator, and not one it answered       *)
(* before (its current handshake's, or one it closed, failed or retired). *)
(* Only lastTs is kept for good, and only authenticated handshakes write   *)
(* it: a msg 1 that never confirms holds a pending slot until it times    *)
(* out, and blocks its own timestamp, nothing more.                        *)
(***************************************************************************)
ERFreshInit(m) ==
    /\ m.id > lastTs[Resp][m.src]
    /\ chan[Resp][m.src].st = "Establishing" => m.id > chan[Resp][m.src].id
    /\ m.id # chan[Resp][m.src].id
    /\ m.id \notin closed[Resp]

(***************************************************************************)
(* HandleHandshake(m): Resp processes msg 1.  Enabled iff the prologue's   *)
(* epoch is Resp's epoch and the timestamp is fresh (ERFreshInit).  Resp   *)
(* cannot check the PSK yet (IKpsk2 proves it at key confirmation): it     *)
(* replies, its channel stays Establishing, and the replay guard is not   *)
(* written (under BUG_ReplayBeforeAuth it is, as today).                   *)
(***************************************************************************)
HandleHandshake(m) ==
    /\ m.type = "Init" /\ m.dst = Resp
    /\ BUG_NoEpochBinding \/ m.ep = epoch[Resp]
    /\ BUG_NoReplayCheck \/ ERFreshInit(m)
    /\ LET ep == IF BUG_NoEpochBinding THEN m.ep ELSE epoch[Resp]
           psk == ERPsk(ep)
       IN  /\ chan' = [chan EXCEPT ![Resp][m.src] =
                         [st |-> IF BUG_ActiveBeforeConfirm THEN "Active" ELSE "Establishing",
                          ep |-> ep, id |-> m.id, psk |-> psk]]
           /\ established' = IF BUG_ActiveBeforeConfirm
                               THEN established \cup
                                      {[ini |-> m.src, resp |-> Resp, id |-> m.id, ep |-> ep]}
                               ELSE established
           /\ msgs' = msgs \cup {[type |-> "Resp", src |-> Resp, dst |-> m.src, ep |-> ep,
                                  id |-> m.id, psk |-> psk]}
    /\ closed' = IF chan[Resp][m.src].id = m.id THEN closed ELSE ERRetire(Resp, m.src)
    /\ lastTs' = IF BUG_ReplayBeforeAuth
                   THEN [lastTs EXCEPT ![Resp][m.src] = IF m.id > @ THEN m.id ELSE @]
                   ELSE lastTs
    /\ respLog' = Append(respLog, m.id)
    /\ UNCHANGED <<epoch, nextId, confirmed, received, iniLog, mistyped>>

(***************************************************************************)
(* ProcessResponse(m): Ini processes msg 2 of its Establishing channel.   *)
(* The PSK is mixed in here: a msg 2 keyed with it makes the channel      *)
(* Active.  One that does not authenticate (wrong PSK, or tampered: the   *)
(* attacker's ForgeResponse) is dropped and changes nothing, as WireGuard *)
(* drops it; the handshake waits for the genuine msg 2 or its timeout.    *)
(* Under BUG_ForgedRespKillsPending it ends the handshake: Error.          *)
(***************************************************************************)
ProcessResponse(m) ==
    /\ m.type = "Resp" /\ m.dst = Ini
    /\ chan[Ini][m.src].id = m.id
    /\ chan[Ini][m.src].st \in
          IF BUG_ReviveClosed THEN {"Establishing", "Closed", "Error"} ELSE {"Establishing"}
    /\ IF m.psk = chan[Ini][m.src].psk
         THEN /\ chan' = [chan EXCEPT ![Ini][m.src].st = "Active"]
              /\ UNCHANGED closed
         ELSE /\ BUG_ForgedRespKillsPending
              /\ chan' = [chan EXCEPT ![Ini][m.src].st = "Error"]
              /\ closed' = [closed EXCEPT ![Ini] = @ \cup {m.id}]
    /\ iniLog' = iniLog \cup {m}
    /\ UNCHANGED <<epoch, nextId, lastTs, msgs, respLog, confirmed, established, received,
                   mistyped>>

(***************************************************************************)
(* SendData(a, b): a seals a transport message on its Active channel; the *)
(* initiator's first one is the key confirmation.                          *)
(***************************************************************************)
SendData(a, b) ==
    /\ chan[a][b].st = "Active"
    /\ msgs' = msgs \cup {[type |-> "Data", src |-> a, dst |-> b, ep |-> chan[a][b].ep,
                           id |-> chan[a][b].id, psk |-> chan[a][b].psk]}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, respLog, confirmed, established, closed,
                   received, iniLog, mistyped>>

(***************************************************************************)
(* KeyConfirm(m): Resp's Establishing channel receives the first transport *)
(* message.  It decrypts iff the PSKs match: then Active and journaled     *)
(* (ChannelEstablished), and the PSK is proven: msg 1's timestamp enters   *)
(* the replay guard (lastTs).  Otherwise Error.                            *)
(***************************************************************************)
KeyConfirm(m) ==
    /\ m.type = "Data" /\ m.dst = Resp
    /\ chan[Resp][m.src].st = "Establishing"
    /\ chan[Resp][m.src].id = m.id
    /\ IF m.psk = chan[Resp][m.src].psk
         THEN /\ chan' = [chan EXCEPT ![Resp][m.src].st = "Active"]
              /\ confirmed' = confirmed \cup {m.id}
              /\ established' = established \cup
                    {[ini |-> m.src, resp |-> Resp, id |-> m.id, ep |-> chan[Resp][m.src].ep]}
              /\ lastTs' = [lastTs EXCEPT ![Resp][m.src] = IF m.id > @ THEN m.id ELSE @]
              /\ UNCHANGED closed
         ELSE /\ chan' = [chan EXCEPT ![Resp][m.src].st = "Error"]
              /\ closed' = [closed EXCEPT ![Resp] = @ \cup {m.id}]
              /\ UNCHANGED <<confirmed, established, lastTs>>
    /\ UNCHANGED <<epoch, nextId, msgs, respLog, received, iniLog, mistyped>>

(***************************************************************************)
(* ReceiveData(b, m): b accepts a transport message on its Active channel *)
(* of the message's id, sealed under b's current epoch.                    *)
(***************************************************************************)
ReceiveData(b, m) ==
    /\ m.type = "Data" /\ m.dst = b
    /\ chan[b][m.src].id = m.id
    /\ IF BUG_AcceptRetiredEpoch
         THEN chan[b][m.src].st \in {"Active", "Rotating"}
         ELSE chan[b][m.src].st = "Active" /\ m.ep = epoch[b]
    /\ received' = received \cup {[id |-> m.id, ep |-> m.ep, at |-> epoch[b]]}
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, msgs, respLog, confirmed, established,
                   closed, iniLog, mistyped>>

(***************************************************************************)
(* RejectData(b, m): b rejects a transport message naming no channel it    *)
(* holds (closed, failed, replaced or never known).  The id names no       *)
(* context whose epoch could judge it, so the reason is UnknownChannel, or *)
(* RetiredEpoch when every context has left the message's epoch; under     *)
(* BUG_EpochJudgedUnknown it is judged against epoch 0, which no context   *)
(* is at once contexts advance on their own: EpochMismatch.  The reason    *)
(* stays local (DESIGN.md 7): mistyped only remembers whether one was ever *)
(* another, so a correct rejection is a stutter.                           *)
(***************************************************************************)
ERHolds(b, m) ==
    chan[b][m.src].id = m.id /\ chan[b][m.src].st \in {"Establishing", "Active", "Rotating"}

ERRejectReasons(b, m) ==
    IF BUG_EpochJudgedUnknown /\ m.ep > 0 THEN {"EpochMismatch"}
    ELSE {"UnknownChannel", "RetiredEpoch"}

RejectData(b, m) ==
    /\ m.type = "Data" /\ m.dst = b
    /\ ~ERHolds(b, m)
    /\ \E why \in ERRejectReasons(b, m) :
          mistyped' = (mistyped \/ why \notin {"UnknownChannel", "RetiredEpoch"})
    /\ UNCHANGED <<epoch, chan, nextId, lastTs, msgs, respLog, confirmed, established,
                   closed, received, iniLog>>

(***************************************************************************)
(* AdvanceEpoch(a): a moves to the next epoch; its Establishing and Active *)
(* channels of older epochs become Rotating (they send nothing).  This is  *)
(* the service's explicit advance_epoch: under BUG_LazyEpochAdvance the    *)
(* channels are left as they are (only a later channel operation would     *)
(* notice), so a channel of the old epoch still seals.                     *)
(***************************************************************************)
AdvanceEpoch(a) ==
    /\ epoch[a] < MaxEpoch
    /\ epoch' = [epoch EXCEPT ![a] = @ + 1]
    /\ chan' = [chan EXCEPT ![a] =
                  [b \in Auth |->
                     IF chan[a][b].st \in {"Establishing", "Active"} /\ ~BUG_LazyEpochAdvance
                       THEN [chan[a][b] EXCEPT !.st = "Rotating"]
                       ELSE chan[a][b]]]
    \* The replay guard is per epoch: the new one starts empty (a msg 1 of an
    \* older epoch does not authenticate under the new prologue anyway).
    /\ lastTs' = IF BUG_ReplayAcrossEpochs THEN lastTs ELSE [lastTs EXCEPT ![a] = [b \in Auth |-> 0]]
    /\ UNCHANGED <<nextId, msgs, respLog, confirmed, established, closed, received, iniLog, mistyped>>

(***************************************************************************)
(* RotateChannel(a, b): only under BUG_RotateInPlace, the seed's rotate(): *)
(* a Rotating channel is relabelled with the new epoch and reactivated,    *)
(* keeping its keys.                                                       *)
(***************************************************************************)
RotateChannel(a, b) ==
    /\ BUG_RotateInPlace
    /\ chan[a][b].st = "Rotating"
    /\ chan' = [chan EXCEPT ![a][b].st = "Active", ![a][b].ep = epoch[a]]
    /\ UNCHANGED <<epoch, nextId, lastTs, msgs, respLog, confirmed, established, closed,
                   received, iniLog, mistyped>>

(***************************************************************************)
(* HandshakeTimeout(a, b): an Establishing channel times out: Error.       *)
(***************************************************************************)
HandshakeTimeout(a, b) ==
    /\ chan[a][b].st = "Establishing"
    /\ chan' = [chan EXCEPT ![a][b].st = "Error"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][b].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, msgs, respLog, confirmed, established, received,
                   iniLog, mistyped>>

(***************************************************************************)
(* CloseChannel(a, b): a closes its Active or Rotating channel.            *)
(***************************************************************************)
CloseChannel(a, b) ==
    /\ chan[a][b].st \in {"Active", "Rotating"}
    /\ chan' = [chan EXCEPT ![a][b].st = "Closed"]
    /\ closed' = [closed EXCEPT ![a] = @ \cup {chan[a][b].id}]
    /\ UNCHANGED <<epoch, nextId, lastTs, msgs, respLog, confirmed, established, received,
                   iniLog, mistyped>>

(***************************************************************************)
(* The attacker holds Ini's static key but not the current PSK, and sees  *)
(* the wire; each action is one delivery of a message it made (it can     *)
(* repeat it).  ERAttackInit(e): msg 1 claiming Ini in epoch e, with a     *)
(* timestamp above every honest one (2^64 - 1) and keyed with the retired *)
(* PSK of epoch e - 1; Resp cannot tell until key confirmation, which     *)
(* never comes.  ERForgedResp(c): a tampered msg 2 (any flipped byte) for *)
(* Ini's handshake c: it does not authenticate (public key material).     *)
(***************************************************************************)
ERAttackInit(e) == [type |-> "Init", src |-> Ini, dst |-> Resp, ep |-> e, id |-> ERHugeTs(e),
                    psk |-> ERWrongPsk(e)]
ERForgedResp(c) == [type |-> "Resp", src |-> Resp, dst |-> Ini, ep |-> c.ep, id |-> c.id,
                    psk |-> ERPublicPsk]

\* InjectInit: Resp handles the attacker's msg 1 of its current epoch.  A
\* retired PSK exists from epoch 1 on; in epoch 0 (public key material) the
\* behaviours would be the same, at four times the states.
InjectInit == epoch[Resp] > 0 /\ HandleHandshake(ERAttackInit(epoch[Resp]))

\* ForgeResponse: Ini gets a tampered msg 2 for its pending handshake; it is
\* dropped (no step) unless BUG_ForgedRespKillsPending.
ForgeResponse == ProcessResponse(ERForgedResp(chan[Ini][Resp]))

ERNext ==
    \/ PrepareEstablishChannel
    \/ InjectInit
    \/ ForgeResponse
    \/ \E m \in msgs : HandleHandshake(m) \/ ProcessResponse(m) \/ KeyConfirm(m)
    \/ \E a, b \in Auth :
          \/ SendData(a, b)
          \/ RotateChannel(a, b)
          \/ HandshakeTimeout(a, b)
          \/ CloseChannel(a, b)
    \/ \E b \in Auth : \E m \in msgs : ReceiveData(b, m) \/ RejectData(b, m)
    \/ \E a \in Auth : AdvanceEpoch(a)

ERSpec == ERInit /\ [][ERNext]_vars

\* Liveness needs fairness: a handshake that stays Establishing times out.
ERFairSpec == ERSpec /\ WF_vars(HandshakeTimeout(Ini, Resp))
                     /\ WF_vars(HandshakeTimeout(Resp, Ini))

(***************************************************************************)
(* ERTypeOK: every variable is in its domain.                              *)
(***************************************************************************)
ERTypeOK ==
    /\ epoch \in [Auth -> EREpochs]
    /\ chan \in [Auth -> [Auth -> ERChan]]
    /\ nextId \in 1..(MaxHs + 1)
    /\ lastTs \in [Auth -> [Auth -> ERIds]]
    /\ msgs \subseteq ERMsg
    /\ respLog \in Seq(ERIds)
    /\ confirmed \subseteq ERIds
    /\ established \subseteq [ini : Auth, resp : Auth, id : ERIds, ep : EREpochs]
    /\ closed \in [Auth -> SUBSET ERIds]
    /\ received \subseteq [id : ERIds, ep : EREpochs, at : EREpochs]
    /\ iniLog \subseteq ERMsg
    /\ mistyped \in BOOLEAN

(***************************************************************************)
(* ERNoRevival: a channel id that was closed, failed or retired never     *)
(* comes back: Closed and Error are terminal (DESIGN.md 5).                *)
(***************************************************************************)
ERNoRevival ==
    \A a, b \in Auth : chan[a][b].id \in closed[a] => chan[a][b].st \in {"Closed", "Error"}

(***************************************************************************)
(* ERKeyConfirmed: the responder's channel is Active, and a               *)
(* ChannelEstablished fact exists, only after key confirmation: a wrong    *)
(* PSK never yields either (DESIGN.md 5).                                  *)
(***************************************************************************)
ERKeyConfirmed ==
    /\ chan[Resp][Ini].st = "Active" => chan[Resp][Ini].id \in confirmed
    /\ \A f \in established : f.id \in confirmed

(***************************************************************************)
(* ERNoReplayedInit: the responder answers each msg 1 at most once: a      *)
(* replayed first message is dropped (DESIGN.md 5).                        *)
(***************************************************************************)
ERNoReplayedInit == \A i, j \in 1..Len(respLog) : i < j => respLog[i] # respLog[j]
\* Not "in increasing order": only authenticated timestamps are kept for
\* good, so once an unconfirmed handshake timed out an older, never answered
\* msg 1 may be answered; it completes only if its initiator still waits.

(***************************************************************************)
(* ERReplayGuardAuthenticated: every timestamp in the replay guard is that *)
(* of a handshake the responder key-confirmed (ChannelEstablished) in its  *)
(* current epoch: an unproven msg 1 and a past epoch weigh nothing.        *)
(***************************************************************************)
ERReplayGuardAuthenticated ==
    \A i \in Auth :
        lastTs[Resp][i] # 0 =>
            [ini |-> i, resp |-> Resp, id |-> lastTs[Resp][i], ep |-> epoch[Resp]] \in established

(***************************************************************************)
(* ERNoLockout: the replay guard never reaches the timestamp an honest    *)
(* initiator uses next, so its next msg 1 can always still be answered    *)
(* (one msg 1 with timestamp 2^64 - 1 must not lock it out).               *)
(***************************************************************************)
ERNoLockout == \A i \in Auth : lastTs[Resp][i] < nextId

(***************************************************************************)
(* ERForgeryNoEffect: every msg 2 the initiator acted on authenticated     *)
(* (keyed with the PSK of its epoch): one that does not is dropped and    *)
(* changes nothing, so the genuine msg 2 still completes the handshake.   *)
(***************************************************************************)
ERForgeryNoEffect == \A m \in iniLog : m.psk = ERPsk(m.ep)

(***************************************************************************)
(* ERPskSecret: no Active channel is keyed with material derivable from   *)
(* public ids (DESIGN.md 1).                                               *)
(***************************************************************************)
ERPskSecret == \A a, b \in Auth : chan[a][b].st = "Active" => chan[a][b].psk # ERPublicPsk

(***************************************************************************)
(* ERRetiredEpochRejected: data is accepted only if sealed under the      *)
(* receiver's current epoch (DESIGN.md 5).                                 *)
(***************************************************************************)
ERRetiredEpochRejected == \A x \in received : x.ep = x.at

(***************************************************************************)
(* ERRekeyIsNewHandshake: every Active channel comes from a handshake run *)
(* in its own epoch: a rekey is a new handshake, never a relabelling       *)
(* (DESIGN.md 5).                                                          *)
(***************************************************************************)
ERRekeyIsNewHandshake ==
    \A a, b \in Auth :
        chan[a][b].st = "Active" =>
            \E m \in msgs : m.type = "Init" /\ m.id = chan[a][b].id /\ m.ep = chan[a][b].ep

(***************************************************************************)
(* ERNoStaleActive: an Establishing or Active channel belongs to its       *)
(* owner's current epoch: older ones are Rotating (DESIGN.md 5).           *)
(***************************************************************************)
ERNoStaleActive ==
    \A a, b \in Auth :
        chan[a][b].st \in {"Establishing", "Active"} => chan[a][b].ep = epoch[a]

(***************************************************************************)
(* ERHandshakeTerminates (liveness, under ERFairSpec): a channel never     *)
(* stays Establishing forever: the handshake ends Active or in Error       *)
(* (DESIGN.md 5: no half state).                                           *)
(***************************************************************************)
ERHandshakeTerminates ==
    \A a, b \in Auth : chan[a][b].st = "Establishing" ~> chan[a][b].st # "Establishing"

(***************************************************************************)
(* ERRejectTyped: a transport message naming no channel its receiver      *)
(* holds is rejected as UnknownChannel or RetiredEpoch, never as an epoch  *)
(* mismatch judged against an epoch the id does not name (DESIGN.md 5).    *)
(***************************************************************************)
ERRejectTyped == ~mistyped

THEOREM ERSpec => [](ERTypeOK /\ ERNoRevival /\ ERKeyConfirmed /\ ERNoReplayedInit
                     /\ ERPskSecret /\ ERRetiredEpochRejected /\ ERRekeyIsNewHandshake
                     /\ ERNoStaleActive /\ ERReplayGuardAuthenticated /\ ERNoLockout
                     /\ ERForgeryNoEffect /\ ERRejectTyped)
THEOREM ERFairSpec => ERHandshakeTerminates
=============================================================================
