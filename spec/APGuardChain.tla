---------------------------- MODULE APGuardChain ----------------------------
(***************************************************************************)
(* Apalache wrapper of GuardChain (the APTCommit pattern): the same         *)
(* constants and variables with their types, the neutral module by          *)
(* INSTANCE, and CInit fixing the constants as MC_<Module>.cfg does.        *)
(* Run: apalache-mc check --cinit=CInit --init=GCInit --next=GCNext         *)
(*      --inv=<invariant> APGuardChain.tla                                  *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    \* @type: Set(AUTH);
    Auth,
    \* @type: Set(AUTH);
    Holders,
    \* @type: AUTH;
    NoAuth,
    \* @type: Int;
    Limit,
    \* @type: Set(Int);
    Costs,
    \* @type: Int;
    MaxEpoch,
    \* @type: Bool;
    BUG_NoCapCheck,
    \* @type: Bool;
    BUG_NoBudgetCheck,
    \* @type: Bool;
    BUG_ChargeAfterAppend,
    \* @type: Bool;
    BUG_DoubleCharge,
    \* @type: Bool;
    BUG_NoRollback,
    \* @type: Bool;
    BUG_EpochCarryOver,
    \* @type: Bool;
    BUG_EffectsOnDeny,
    \* @type: Bool;
    BUG_NoReplayCheck,
    \* @type: Bool;
    BUG_NoChainCheck,
    \* @type: Bool;
    BUG_NoEpochCheck,
    \* @type: Bool;
    BUG_NoSignatureCheck,
    \* @type: Bool;
    BUG_ChannelStateOutsideGuard,
    \* @type: Bool;
    BUG_ChainPerSource,
    \* @type: Bool;
    BUG_StrictChainAfterLoss,
    \* @type: Bool;
    BUG_ReceiptKeptOnRollback,
    \* @type: Bool;
    BUG_FutureEpochAccepted

VARIABLES
    \* @type: Int;
    epoch,
    \* @type: AUTH -> (Int -> Int);
    spent,
    \* @type: AUTH -> (Int -> Int);
    committed,
    \* @type: Str;
    phase,
    \* @type: AUTH;
    pAuth,
    \* @type: AUTH;
    pDst,
    \* @type: Int;
    pCost,
    \* @type: Int;
    pEpoch,
    \* @type: Bool;
    charged,
    \* @type: Set({ src: AUTH, dst: AUTH, epoch: Int, nonce: Int, cost: Int });
    journal,
    \* @type: AUTH -> (AUTH -> Int);
    nextNonce,
    \* @type: Set({ src: AUTH, dst: AUTH, epoch: Int, nonce: Int, prev: Int, cost: Int, signer: AUTH });
    wire,
    \* @type: AUTH -> (AUTH -> Int);
    accepted,
    \* @type: AUTH -> Seq({ src: AUTH, epoch: Int, nonce: Int, prev: Int, signer: AUTH, at: Int });
    rlog,
    \* @type: Set(Str);
    denials,
    \* @type: Set({ src: AUTH, dst: AUTH, epoch: Int, nonce: Int, cost: Int });
    chan,
    \* @type: AUTH -> (AUTH -> Set(Int));
    issued

INSTANCE GuardChain

\* The constants of MC_GuardChain.cfg, with Apalache's typed model values.
CInit ==
    /\ Auth = {"a1_OF_AUTH", "a2_OF_AUTH"}
    /\ Holders = {"a1_OF_AUTH"}
    /\ NoAuth = "none_OF_AUTH"
    /\ Limit = 2
    /\ Costs = {1, 2, 3}
    /\ MaxEpoch = 1
    /\ BUG_NoCapCheck = FALSE
    /\ BUG_NoBudgetCheck = FALSE
    /\ BUG_ChargeAfterAppend = FALSE
    /\ BUG_DoubleCharge = FALSE
    /\ BUG_NoRollback = FALSE
    /\ BUG_EpochCarryOver = FALSE
    /\ BUG_EffectsOnDeny = FALSE
    /\ BUG_NoReplayCheck = FALSE
    /\ BUG_NoChainCheck = FALSE
    /\ BUG_NoEpochCheck = FALSE
    /\ BUG_NoSignatureCheck = FALSE
    /\ BUG_ChannelStateOutsideGuard = FALSE
    /\ BUG_ChainPerSource = FALSE
    /\ BUG_StrictChainAfterLoss = FALSE
    /\ BUG_ReceiptKeptOnRollback = FALSE
    /\ BUG_FutureEpochAccepted = FALSE
=============================================================================
