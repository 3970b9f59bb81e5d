----------------------------- MODULE GuardChain -----------------------------
(***************************************************************************)
(* The guard chain of one relational context (DESIGN.md section 4).        *)
(*                                                                         *)
(* An operation (publish, connect, relay) is evaluated capability first,   *)
(* then flow budget.  A deny is a local value: no charge, no journal fact, *)
(* no packet.  An allowed outcome is executed by the effect interpreter    *)
(* one effect at a time, ChargeFlowBudget first, then JournalAppend, then  *)
(* the send; a failed append rolls the charge back and nothing is sent.    *)
(* Every send carries a receipt: src, dst, epoch, cost, a per-(src, dst,   *)
(* epoch) strictly increasing nonce, the previous receipt to the same dst  *)
(* (the chain) and src's signature: each receiver sees a whole chain.  An  *)
(* operation without a peer (publish, revoke) has d = a: its receipt is    *)
(* addressed to a itself.  Channel and handshake state (a handshake        *)
(* started, a replay stamp, a channel registered or retired) is one record *)
(* per outcome in chan, changed by the interpreter in the same step as the *)
(* journal append, so a rolled-back outcome leaves none.                   *)
(* The network is a set of receipts: the attacker may drop,                *)
(* duplicate, reorder and replay any of them, and re-sign one under a      *)
(* wrong key (ForgeReceipt).  A dropped receipt is one never received: it  *)
(* was lost with its message (or its message was refused after the        *)
(* receipt check).  A receiver requires the chain link only from the       *)
(* receipt whose nonce directly follows the last one it accepted; a        *)
(* receipt after a nonce gap resynchronises the chain, so one lost         *)
(* message does not cut the pair off for the rest of the epoch.  A member  *)
(* signs what it likes: EquivocateReceipt re-issues one of its receipts    *)
(* linked to nothing, RelinkFirstReceipt the first of a chain linked to a  *)
(* receipt; the link check refuses both.  A member whose clock is ahead    *)
(* signs a receipt of the next epoch (SignFutureReceipt); the epoch check  *)
(* refuses it.                                                             *)
(*                                                                         *)
(* Omitted, and why: more than one context (contexts are independent here; *)
(* Rendezvous.tla composes them), the content of journal facts (only their *)
(* count and identity matter to budgets and receipts), hash and signature  *)
(* cryptography (a chain link is the previous nonce, a signature is the    *)
(* signer's name), and liveness (a deny or an exhausted budget is a        *)
(* legitimate end).  Epochs, budgets and nonces are bounded by constants.  *)
(* A receipt signed ahead is made only at the last epoch, MaxEpoch, so its *)
(* epoch is one the model never reaches: what becomes of it once its epoch *)
(* comes (a receipt its signer issued, judged by nonce and link like an    *)
(* equivocated one) is not modelled.                                       *)
(*                                                                         *)
(* Each BUG_* constant switches on one known shortfall of the public code  *)
(* (DESIGN.md preamble); MC_GuardChain_bad_<Invariant>.cfg sets one.       *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS
    Auth,        \* the roster of the context
    Holders,     \* the authorities holding the operation's capability
    NoAuth,      \* "no authority": the pending fields of an idle interpreter
    Limit,       \* flow budget per (authority, epoch)
    Costs,       \* the costs an operation may have (seed section 5)
    MaxEpoch     \* epochs are 0..MaxEpoch

CONSTANTS
    BUG_NoCapCheck,         \* the capability guard is skipped
    BUG_NoBudgetCheck,      \* the budget guard is skipped
    BUG_ChargeAfterAppend,  \* the journal is appended before the charge
    BUG_DoubleCharge,       \* the append charges the budget a second time
    BUG_NoRollback,         \* a failed append keeps the charge
    BUG_EpochCarryOver,     \* a new epoch inherits the old epoch's spending
    BUG_EffectsOnDeny,      \* a denied operation still sends its packet
    BUG_NoReplayCheck,      \* receipts: neither nonce nor chain is checked
    BUG_NoChainCheck,       \* receipts: the chain link is not checked
    BUG_NoEpochCheck,       \* receipts: the epoch is not checked
    BUG_NoSignatureCheck,   \* receipts: the signer is not checked
    BUG_ChannelStateOutsideGuard, \* channel state changes at prepare time
    BUG_ChainPerSource,     \* receipts: one nonce and chain per source,
                            \* across all destinations
    BUG_StrictChainAfterLoss, \* receipts: every receipt must link to the
                            \* last accepted one, even after a gap
    BUG_ReceiptKeptOnRollback, \* a failed outcome keeps its receipt: the
                            \* issuer's chain is not rolled back
    BUG_FutureEpochAccepted \* receipts: the epoch check refuses retired
                            \* epochs only, not one the receiver has not
                            \* reached

ASSUME GCConstantsOK ==
    /\ Holders \subseteq Auth
    /\ NoAuth \notin Auth
    /\ Limit \in Nat
    /\ Costs \subseteq (Nat \ {0})
    /\ MaxEpoch \in Nat

VARIABLES
    epoch,      \* the current epoch of the context
    spent,      \* spent[a][e]: flow budget charged to a in epoch e
    committed,  \* history: the cost of the outcomes that were sent
    phase,      \* the effect interpreter: Idle, Allowed, Charged, Appended
    pAuth,      \* the outcome in flight: its source ...
    pDst,       \* ... its destination ...
    pCost,      \* ... its cost ...
    pEpoch,     \* ... and the epoch it was evaluated in
    charged,    \* the outcome in flight has been charged
    journal,    \* the facts appended to the context journal
    nextNonce,  \* nextNonce[a][d]: a's next receipt nonce to d in the epoch
    wire,       \* every receipt ever put on the network (never shrinks)
    accepted,   \* accepted[d][s]: the last receipt nonce d accepted from s
    rlog,       \* the receipts log of each receiver, in acceptance order
    denials,    \* the typed denial reasons seen (they stay local)
    chan,       \* the channel and handshake state changes, one per outcome
    issued      \* issued[a][d]: the nonces of a's receipts to d in the epoch

vars == <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch, charged,
          journal, nextNonce, wire, accepted, rlog, denials, chan, issued>>

GCEpochs == 0..MaxEpoch
\* The epochs a receipt may name: the model's, and the next one, which a
\* member whose clock is ahead signs for at the last epoch (SignFutureReceipt).
GCReceiptEpochs == 0..(MaxEpoch + 1)
GCNonces == 1..(Limit + 1)
GCPhases == {"Idle", "Allowed", "Charged", "Appended"}
GCReasons == {"MissingCapability", "InsufficientBudget"}

GCFact == [src : Auth, dst : Auth, epoch : GCEpochs, nonce : GCNonces, cost : Costs]
GCReceipt == [src : Auth, dst : Auth, epoch : GCReceiptEpochs, nonce : GCNonces,
              prev : 0..Limit, cost : Costs, signer : Auth]
GCLogEntry == [src : Auth, epoch : GCReceiptEpochs, nonce : GCNonces, prev : 0..Limit,
               signer : Auth, at : GCEpochs]

GCMax(S) == CHOOSE x \in S : \A y \in S : y <= x

(***************************************************************************)
(* The two guards, in the order of DESIGN.md section 4.                    *)
(***************************************************************************)
GCCapOK(a) == BUG_NoCapCheck \/ a \in Holders
GCBudgetOK(a, c) == BUG_NoBudgetCheck \/ spent[a][epoch] + c <= Limit

GCResetPending ==
    /\ pAuth' = NoAuth
    /\ pDst' = NoAuth
    /\ pCost' = 0
    /\ pEpoch' = 0
    /\ charged' = FALSE

(***************************************************************************)
(* The initial predicate: epoch 0, nothing spent, nothing sent.            *)
(***************************************************************************)
GCInit ==
    /\ epoch = 0
    /\ spent = [a \in Auth |-> [e \in GCEpochs |-> 0]]
    /\ committed = [a \in Auth |-> [e \in GCEpochs |-> 0]]
    /\ phase = "Idle"
    /\ pAuth = NoAuth
    /\ pDst = NoAuth
    /\ pCost = 0
    /\ pEpoch = 0
    /\ charged = FALSE
    /\ journal = {}
    /\ nextNonce = [a \in Auth |-> [d \in Auth |-> 1]]
    /\ wire = {}
    /\ accepted = [d \in Auth |-> [s \in Auth |-> 0]]
    /\ rlog = [d \in Auth |-> <<>>]
    /\ denials = {}
    /\ chan = {}
    /\ issued = [a \in Auth |-> [d \in Auth |-> {}]]

(* The journal fact (and the channel record) of a's outcome to d.         *)
GCOpFact(a, d, e, c, n) == [src |-> a, dst |-> d, epoch |-> e, nonce |-> n, cost |-> c]

(***************************************************************************)
(* PrepareOperation(a, d, c): authority a asks to send an operation of     *)
(* cost c to d.  Enabled iff the interpreter is idle and both guards pass; *)
(* the allowed outcome becomes the one in flight.  (prepare_* in impl/.)   *)
(* prepare_* is pure: it changes no channel state, unless                  *)
(* BUG_ChannelStateOutsideGuard (a handshake started, a replay stamp       *)
(* taken, a channel registered before anything is charged).                *)
(***************************************************************************)
PrepareOperation(a, d, c) ==
    /\ phase = "Idle"
    /\ GCCapOK(a)
    /\ GCBudgetOK(a, c)
    /\ phase' = "Allowed"
    /\ pAuth' = a
    /\ pDst' = d
    /\ pCost' = c
    /\ pEpoch' = epoch
    /\ chan' = IF BUG_ChannelStateOutsideGuard
                 THEN chan \cup {GCOpFact(a, d, epoch, c, nextNonce[a][d])}
                 ELSE chan
    /\ UNCHANGED <<epoch, spent, committed, charged, journal, nextNonce, wire,
                   accepted, rlog, denials, issued>>

(***************************************************************************)
(* DenyOperation(a, d, c): the same request when a guard fails.  The deny  *)
(* is a typed, local value: only the local denials set changes.            *)
(***************************************************************************)
DenyOperation(a, d, c) ==
    /\ phase = "Idle"
    /\ ~(GCCapOK(a) /\ GCBudgetOK(a, c))
    /\ denials' = denials \cup
            {IF ~GCCapOK(a) THEN "MissingCapability" ELSE "InsufficientBudget"}
    /\ IF BUG_EffectsOnDeny
         THEN wire' = wire \cup
                {[src |-> a, dst |-> d, epoch |-> epoch, nonce |-> nextNonce[a][d],
                  prev |-> nextNonce[a][d] - 1, cost |-> c, signer |-> a]}
         ELSE UNCHANGED wire
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, accepted, rlog, chan, issued>>

(***************************************************************************)
(* ChargeFlowBudget: the interpreter's first effect.  Enabled iff an       *)
(* allowed outcome is in flight and not yet charged.                       *)
(***************************************************************************)
ChargeFlowBudget ==
    /\ phase = IF BUG_ChargeAfterAppend THEN "Appended" ELSE "Allowed"
    /\ ~charged
    /\ spent' = [spent EXCEPT ![pAuth][pEpoch] = @ + pCost]
    /\ charged' = TRUE
    /\ phase' = IF BUG_ChargeAfterAppend THEN "Appended" ELSE "Charged"
    /\ UNCHANGED <<epoch, committed, pAuth, pDst, pCost, pEpoch, journal,
                   nextNonce, wire, accepted, rlog, denials, chan, issued>>

(***************************************************************************)
(* JournalAppend: the second effect, after the charge.  The outcome's      *)
(* channel commands are committed in the same step (all or nothing).       *)
(***************************************************************************)
JournalAppend ==
    /\ phase = IF BUG_ChargeAfterAppend THEN "Allowed" ELSE "Charged"
    /\ journal' = journal \cup {GCOpFact(pAuth, pDst, pEpoch, pCost, nextNonce[pAuth][pDst])}
    /\ chan' = IF BUG_ChannelStateOutsideGuard
                 THEN chan
                 ELSE chan \cup {GCOpFact(pAuth, pDst, pEpoch, pCost, nextNonce[pAuth][pDst])}
    /\ spent' = IF BUG_DoubleCharge
                  THEN [spent EXCEPT ![pAuth][pEpoch] = @ + pCost]
                  ELSE spent
    /\ phase' = "Appended"
    /\ UNCHANGED <<epoch, committed, pAuth, pDst, pCost, pEpoch, charged,
                   nextNonce, wire, accepted, rlog, denials, issued>>

(***************************************************************************)
(* JournalAppendFails: the append fails after the charge; the interpreter  *)
(* rolls the charge back, sends nothing and returns to Idle (no channel    *)
(* command of the outcome has run).  An implementation that records the    *)
(* outcome's receipt before a local effect that fails (a channel commit)   *)
(* undoes it too: nothing is issued.  BUG_ReceiptKeptOnRollback keeps it.  *)
(***************************************************************************)
JournalAppendFails ==
    /\ phase = "Charged"
    /\ spent' = IF BUG_NoRollback
                  THEN spent
                  ELSE [spent EXCEPT ![pAuth][pEpoch] = @ - pCost]
    /\ IF BUG_ReceiptKeptOnRollback
         THEN /\ nextNonce' = [nextNonce EXCEPT ![pAuth][pDst] = @ + 1]
              /\ issued' = [issued EXCEPT ![pAuth][pDst] = @ \cup {nextNonce[pAuth][pDst]}]
         ELSE UNCHANGED <<nextNonce, issued>>
    /\ phase' = "Idle"
    /\ GCResetPending
    /\ UNCHANGED <<epoch, committed, journal, wire, accepted, rlog, denials, chan>>

(***************************************************************************)
(* SendPacket: the last effect.  Enabled iff charged and appended; puts    *)
(* the packet and its receipt on the network and commits the outcome.     *)
(* The receipt's nonce and chain link are those of the (pAuth, pDst)       *)
(* stream; BUG_ChainPerSource numbers and chains every destination's       *)
(* receipts in one stream per source.                                      *)
(***************************************************************************)
SendPacket ==
    /\ phase = "Appended"
    /\ charged
    /\ committed' = [committed EXCEPT ![pAuth][pEpoch] = @ + pCost]
    /\ wire' = wire \cup
         {[src |-> pAuth, dst |-> pDst, epoch |-> pEpoch, nonce |-> nextNonce[pAuth][pDst],
           prev |-> nextNonce[pAuth][pDst] - 1, cost |-> pCost, signer |-> pAuth]}
    /\ nextNonce' = IF BUG_ChainPerSource
                      THEN [nextNonce EXCEPT ![pAuth] = [d \in Auth |-> nextNonce[pAuth][pDst] + 1]]
                      ELSE [nextNonce EXCEPT ![pAuth][pDst] = @ + 1]
    /\ issued' = [issued EXCEPT ![pAuth][pDst] = @ \cup {nextNonce[pAuth][pDst]}]
    /\ phase' = "Idle"
    /\ GCResetPending
    /\ UNCHANGED <<epoch, spent, journal, accepted, rlog, denials, chan>>

(***************************************************************************)
(* AdvanceEpoch: the context moves to the next epoch while the interpreter *)
(* is idle.  Budgets of the new epoch start at 0; nonces restart.          *)
(***************************************************************************)
AdvanceEpoch ==
    /\ phase = "Idle"
    /\ epoch < MaxEpoch
    /\ epoch' = epoch + 1
    /\ spent' = IF BUG_EpochCarryOver
                  THEN [a \in Auth |-> [spent[a] EXCEPT ![epoch + 1] = spent[a][epoch]]]
                  ELSE spent
    /\ nextNonce' = [a \in Auth |-> [d \in Auth |-> 1]]
    /\ accepted' = [d \in Auth |-> [s \in Auth |-> 0]]
    /\ issued' = [a \in Auth |-> [d \in Auth |-> {}]]
    /\ UNCHANGED <<committed, phase, pAuth, pDst, pCost, pEpoch, charged, journal,
                   wire, rlog, denials, chan>>

(***************************************************************************)
(* ReceiveReceipt(r): r.dst accepts a receipt from the network.  Enabled   *)
(* iff the signer is r.src, r.epoch is the current epoch (neither retired  *)
(* nor one not reached yet), the nonce is greater than the last accepted   *)
(* one and, if it directly follows it, r.prev is that last one (a nonce    *)
(* gap: the receipts between were lost, and r resynchronises the chain).   *)
(* BUG_StrictChainAfterLoss requires the link after a gap too;             *)
(* BUG_FutureEpochAccepted refuses only a retired epoch (r.epoch >= epoch).*)
(***************************************************************************)
GCLinked(r) ==
    \/ BUG_NoChainCheck
    \/ r.prev = accepted[r.dst][r.src]
    \/ ~BUG_StrictChainAfterLoss /\ r.nonce > accepted[r.dst][r.src] + 1

GCFresh(r) ==
    \/ BUG_NoReplayCheck
    \/ r.nonce > accepted[r.dst][r.src] /\ GCLinked(r)

ReceiveReceipt(r) ==
    /\ BUG_NoSignatureCheck \/ r.signer = r.src
    /\ \/ BUG_NoEpochCheck
       \/ r.epoch = epoch
       \/ BUG_FutureEpochAccepted /\ r.epoch > epoch
    /\ GCFresh(r)
    /\ accepted' = [accepted EXCEPT ![r.dst][r.src] = r.nonce]
    /\ rlog' = [rlog EXCEPT ![r.dst] =
                  Append(@, [src |-> r.src, epoch |-> r.epoch, nonce |-> r.nonce,
                             prev |-> r.prev, signer |-> r.signer, at |-> epoch])]
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, wire, denials, chan, issued>>

(***************************************************************************)
(* The attacker moves on receipts.  At most one per behaviour (each is     *)
(* enabled only while every receipt on the wire is genuine, linked to its  *)
(* predecessor and of an epoch reached), to keep the model small: one      *)
(* suffices to show each check.                                            *)
(*                                                                         *)
(* ForgeReceipt(r, s): the attacker re-signs an observed receipt under the *)
(* key of s # r.src.                                                       *)
(***************************************************************************)
GCUntampered == \A x \in wire : x.signer = x.src /\ x.prev = x.nonce - 1 /\ x.epoch <= epoch

ForgeReceipt(r, s) ==
    /\ GCUntampered
    /\ s # r.src
    /\ wire' = wire \cup {[r EXCEPT !.signer = s]}
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, accepted, rlog, denials, chan, issued>>

(***************************************************************************)
(* EquivocateReceipt(r): r's signer, a member whose key signs what it      *)
(* likes, issues r again as the start of a chain (link 0), as if the       *)
(* receipts before it had never been sent to r.dst: the link check refuses *)
(* it wherever r's nonce directly follows the last one accepted.           *)
(***************************************************************************)
EquivocateReceipt(r) ==
    /\ GCUntampered
    /\ r.epoch = epoch
    /\ r.prev # 0
    /\ wire' = wire \cup {[r EXCEPT !.prev = 0]}
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, accepted, rlog, denials, chan, issued>>

(***************************************************************************)
(* RelinkFirstReceipt(r): r's signer issues the first receipt of a chain   *)
(* (link 0) again, linked to a receipt (here r itself, as if one had come  *)
(* before it), while its receiver has accepted nothing of the stream: a    *)
(* receipt 1 must link to the genesis, so the link check refuses it.  Only *)
(* right after the first send to a peer in epoch 0: one instance shows the *)
(* check, and keeps the model small.                                       *)
(***************************************************************************)
RelinkFirstReceipt(r) ==
    /\ GCUntampered
    /\ r.epoch = epoch
    /\ r.prev = 0
    /\ accepted[r.dst][r.src] = 0
    /\ r.src # r.dst
    /\ epoch = 0
    /\ wire' = wire \cup {[r EXCEPT !.prev = r.nonce]}
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, accepted, rlog, denials, chan, issued>>

(***************************************************************************)
(* SignFutureReceipt(r): r's signer, a member whose clock is already in    *)
(* the next epoch, signs its first receipt to r.dst again for epoch + 1    *)
(* (r, nonce 1 and linked to the genesis, dated one epoch ahead): no       *)
(* receiver has reached that epoch, so the epoch check refuses it.  Only   *)
(* at the last epoch, MaxEpoch: the receipt names an epoch the model never *)
(* reaches, so nothing but a wrong epoch check accepts it.                 *)
(***************************************************************************)
SignFutureReceipt(r) ==
    /\ GCUntampered
    /\ epoch = MaxEpoch
    /\ r.epoch = epoch
    /\ r.nonce = 1
    /\ r.src # r.dst
    /\ wire' = wire \cup {[r EXCEPT !.epoch = epoch + 1]}
    /\ UNCHANGED <<epoch, spent, committed, phase, pAuth, pDst, pCost, pEpoch,
                   charged, journal, nextNonce, accepted, rlog, denials, chan, issued>>

GCNext ==
    \/ \E a \in Auth, d \in Auth, c \in Costs :
          PrepareOperation(a, d, c) \/ DenyOperation(a, d, c)
    \/ ChargeFlowBudget
    \/ JournalAppend
    \/ JournalAppendFails
    \/ SendPacket
    \/ AdvanceEpoch
    \/ \E r \in wire : ReceiveReceipt(r)
    \/ \E r \in wire, s \in Auth : ForgeReceipt(r, s)
    \/ \E r \in wire : EquivocateReceipt(r)
    \/ \E r \in wire : RelinkFirstReceipt(r)
    \/ \E r \in wire : SignFutureReceipt(r)

GCSpec == GCInit /\ [][GCNext]_vars

(***************************************************************************)
(* GCTypeOK: every variable is in its domain.                              *)
(***************************************************************************)
GCTypeOK ==
    /\ epoch \in GCEpochs
    /\ spent \in [Auth -> [GCEpochs -> Int]]
    /\ committed \in [Auth -> [GCEpochs -> Int]]
    /\ phase \in GCPhases
    /\ pAuth \in Auth \cup {NoAuth}
    /\ pDst \in Auth \cup {NoAuth}
    /\ pCost \in Costs \cup {0}
    /\ pEpoch \in GCEpochs
    /\ charged \in BOOLEAN
    /\ journal \subseteq GCFact
    /\ nextNonce \in [Auth -> [Auth -> GCNonces]]
    /\ wire \subseteq GCReceipt
    /\ accepted \in [Auth -> [Auth -> 0..(Limit + 1)]]
    /\ \A d \in Auth : rlog[d] \in Seq(GCLogEntry)
    /\ denials \subseteq GCReasons
    /\ chan \subseteq GCFact
    /\ issued \in [Auth -> [Auth -> SUBSET GCNonces]]

(***************************************************************************)
(* GCBudgetWithinLimit: no authority ever spends more than Limit in an    *)
(* epoch (DESIGN.md 4: a charge of c is allowed iff spent + c <= limit).   *)
(***************************************************************************)
GCBudgetWithinLimit == \A a \in Auth, e \in GCEpochs : spent[a][e] <= Limit

(***************************************************************************)
(* GCChargeFirst: no journal fact is appended before the outcome has been  *)
(* charged (DESIGN.md 4: ChargeFlowBudget first).                          *)
(***************************************************************************)
GCChargeFirst == phase = "Appended" => charged

(***************************************************************************)
(* GCAtomicRollback: whenever the interpreter is idle, the budget spent is *)
(* exactly the cost of the outcomes that were sent, and each receipt nonce *)
(* an issuer took in the epoch was paid for by one of them (a send costs   *)
(* at least 1): a failed outcome left no charge and no receipt, and no     *)
(* outcome was charged twice (DESIGN.md 4).                                *)
(***************************************************************************)
GCAtomicRollback ==
    phase = "Idle" =>
        /\ spent = committed
        /\ \A a, d \in Auth : nextNonce[a][d] - 1 <= committed[a][epoch]

(***************************************************************************)
(* GCChannelStateAtomic: the channel and handshake state is, at every      *)
(* step, exactly that of the journaled outcomes: prepare_* changes none    *)
(* (it is pure), the interpreter changes it in the step that appends the   *)
(* journal, and a denied or rolled-back outcome started no handshake, took *)
(* no replay stamp and registered or retired no channel (DESIGN.md 4, 5).  *)
(***************************************************************************)
GCChannelStateAtomic == chan = journal

(***************************************************************************)
(* GCCapabilityRequired: every journal fact comes from an authority that  *)
(* holds the capability (DESIGN.md 4: capability first).                   *)
(***************************************************************************)
GCCapabilityRequired == \A f \in journal : f.src \in Holders

(***************************************************************************)
(* GCNoEffectOnDeny: every correctly signed packet of an epoch reached on  *)
(* the network belongs to an allowed, journaled outcome: a deny sends      *)
(* nothing (DESIGN.md 4, 7).  A receipt signed ahead (SignFutureReceipt)   *)
(* belongs to no outcome; the epoch check keeps it out.                    *)
(***************************************************************************)
GCNoEffectOnDeny ==
    \A r \in wire :
        r.signer = r.src /\ r.epoch <= epoch =>
            \E f \in journal :
                f.src = r.src /\ f.dst = r.dst /\ f.epoch = r.epoch /\ f.nonce = r.nonce

GCSameStream(d, i, j) ==
    /\ rlog[d][i].src = rlog[d][j].src
    /\ rlog[d][i].epoch = rlog[d][j].epoch

(***************************************************************************)
(* GCReceiptNoReplay: in each receiver's log the nonces of one             *)
(* (src, epoch) strictly increase: no receipt is accepted twice or out of  *)
(* order (DESIGN.md 4).                                                    *)
(***************************************************************************)
GCReceiptNoReplay ==
    \A d \in Auth : \A i, j \in 1..Len(rlog[d]) :
        (i < j /\ GCSameStream(d, i, j)) => rlog[d][i].nonce < rlog[d][j].nonce

(***************************************************************************)
(* GCReceiptChain: each accepted receipt whose nonce directly follows the  *)
(* previous receipt of its (src, epoch) that the receiver accepted links   *)
(* to it, and an accepted receipt 1 first of its stream links to none (0): *)
(* no receipt is spliced onto the chain.  After a gap (lost receipts) the  *)
(* next accepted receipt starts the chain again (DESIGN.md 4).             *)
(***************************************************************************)
GCReceiptChain ==
    \A d \in Auth : \A i \in 1..Len(rlog[d]) :
        LET before == {j \in 1..(i - 1) : GCSameStream(d, i, j)}
            last == IF before = {} THEN 0 ELSE rlog[d][GCMax(before)].nonce
        IN  rlog[d][i].nonce = last + 1 => rlog[d][i].prev = last

(***************************************************************************)
(* GCReceiptEpoch: a receipt is accepted only in the epoch it was issued   *)
(* for: receipts of a retired epoch, and of an epoch the receiver has not  *)
(* reached yet, are rejected (DESIGN.md 4).                                *)
(***************************************************************************)
GCReceiptEpoch == \A d \in Auth : \A i \in 1..Len(rlog[d]) : rlog[d][i].epoch = rlog[d][i].at

(***************************************************************************)
(* GCReceiptSigner: every accepted receipt is signed by its src (DESIGN.md *)
(* 4: the signature is checked against the roster).                        *)
(***************************************************************************)
GCReceiptSigner == \A d \in Auth : \A i \in 1..Len(rlog[d]) : rlog[d][i].signer = rlog[d][i].src

(***************************************************************************)
(* GCReceiptVerifiable: every genuine receipt of the epoch links to the    *)
(* start of its chain (0) or to a receipt its sender issued to the same    *)
(* receiver, so a receiver given its receipts in order can check every     *)
(* link: a destination never sees a link to a receipt sent elsewhere       *)
(* (DESIGN.md 4).                                                          *)
(***************************************************************************)
GCReceiptVerifiable ==
    \A r \in wire :
        (r.signer = r.src /\ r.epoch = epoch /\ r.prev # 0) => r.prev \in issued[r.src][r.dst]

(***************************************************************************)
(* GCReceiptResumesAfterLoss: a genuine receipt of the epoch (signed by    *)
(* its src, linked to its predecessor in its stream) whose nonce is above  *)
(* the last one its receiver accepted can be accepted now: once receipts   *)
(* were lost, the next one delivered resumes the stream (DESIGN.md 4).     *)
(***************************************************************************)
GCReceiptResumesAfterLoss ==
    \A r \in wire :
        (/\ r.signer = r.src
         /\ r.epoch = epoch
         /\ r.prev = r.nonce - 1
         /\ r.nonce > accepted[r.dst][r.src]) => GCFresh(r)

THEOREM GCSpec => [](GCTypeOK /\ GCBudgetWithinLimit /\ GCChargeFirst /\ GCAtomicRollback
                     /\ GCCapabilityRequired /\ GCNoEffectOnDeny /\ GCReceiptNoReplay
                     /\ GCReceiptChain /\ GCReceiptEpoch /\ GCReceiptSigner
                     /\ GCChannelStateAtomic /\ GCReceiptVerifiable
                     /\ GCReceiptResumesAfterLoss)
=============================================================================
