---------------------------- MODULE APEpochRotation ----------------------------
(***************************************************************************)
(* Apalache wrapper of EpochRotation (the APTCommit pattern): the same      *)
(* constants and variables with their types, the neutral module by          *)
(* INSTANCE, and CInit fixing the constants as MC_<Module>.cfg does.        *)
(* Run: apalache-mc check --cinit=CInit --init=ERInit --next=ERNext         *)
(*      --inv=<invariant> APEpochRotation.tla                               *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    \* @type: AUTH;
    Ini,
    \* @type: AUTH;
    Resp,
    \* @type: Int;
    MaxEpoch,
    \* @type: Int;
    MaxHs,
    \* @type: Bool;
    BUG_ReviveClosed,
    \* @type: Bool;
    BUG_ActiveBeforeConfirm,
    \* @type: Bool;
    BUG_NoReplayCheck,
    \* @type: Bool;
    BUG_PskFromPublicIds,
    \* @type: Bool;
    BUG_AcceptRetiredEpoch,
    \* @type: Bool;
    BUG_RotateInPlace,
    \* @type: Bool;
    BUG_NoEpochBinding,
    \* @type: Bool;
    BUG_LazyEpochAdvance,
    \* @type: Bool;
    BUG_ReplayBeforeAuth,
    \* @type: Bool;
    BUG_ReplayAcrossEpochs,
    \* @type: Bool;
    BUG_ForgedRespKillsPending,
    \* @type: Bool;
    BUG_EpochJudgedUnknown

VARIABLES
    \* @type: AUTH -> Int;
    epoch,
    \* @type: AUTH -> (AUTH -> { st: Str, ep: Int, id: Int, psk: Int });
    chan,
    \* @type: Int;
    nextId,
    \* @type: AUTH -> (AUTH -> Int);
    lastTs,
    \* @type: Set({ type: Str, src: AUTH, dst: AUTH, ep: Int, id: Int, psk: Int });
    msgs,
    \* @type: Seq(Int);
    respLog,
    \* @type: Set(Int);
    confirmed,
    \* @type: Set({ ini: AUTH, resp: AUTH, id: Int, ep: Int });
    established,
    \* @type: AUTH -> Set(Int);
    closed,
    \* @type: Set({ id: Int, ep: Int, at: Int });
    received,
    \* @type: Set({ type: Str, src: AUTH, dst: AUTH, ep: Int, id: Int, psk: Int });
    iniLog,
    \* @type: Bool;
    mistyped

INSTANCE EpochRotation

\* The constants of MC_EpochRotation.cfg, with Apalache's typed model values.
CInit ==
    /\ Ini = "a1_OF_AUTH"
    /\ Resp = "a2_OF_AUTH"
    /\ MaxEpoch = 1
    /\ MaxHs = 2
    /\ BUG_ReviveClosed = FALSE
    /\ BUG_ActiveBeforeConfirm = FALSE
    /\ BUG_NoReplayCheck = FALSE
    /\ BUG_PskFromPublicIds = FALSE
    /\ BUG_AcceptRetiredEpoch = FALSE
    /\ BUG_RotateInPlace = FALSE
    /\ BUG_NoEpochBinding = FALSE
    /\ BUG_LazyEpochAdvance = FALSE
    /\ BUG_ReplayBeforeAuth = FALSE
    /\ BUG_ReplayAcrossEpochs = FALSE
    /\ BUG_ForgedRespKillsPending = FALSE
    /\ BUG_EpochJudgedUnknown = FALSE
=============================================================================
