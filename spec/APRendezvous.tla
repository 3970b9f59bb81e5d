---------------------------- MODULE APRendezvous ----------------------------
(***************************************************************************)
(* Apalache wrapper of Rendezvous (the APTCommit pattern): the same         *)
(* constants and variables with their types, the neutral module by          *)
(* INSTANCE, and CInit fixing the constants as MC_<Module>.cfg does.        *)
(* Run: apalache-mc check --cinit=CInit --init=RVInit --next=RVNext         *)
(*      --inv=<invariant> APRendezvous.tla                                  *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    \* @type: AUTH;
    Ini,
    \* @type: AUTH;
    Resp,
    \* @type: AUTH;
    Relay,
    \* @type: AUTH;
    Outsider,
    \* @type: Set(CTX);
    Ctx,
    \* @type: Set(CTX);
    RelayCtx,
    \* @type: Int;
    MaxTime,
    \* @type: Int;
    Validity,
    \* @type: Int;
    Window,
    \* @type: Int;
    MaxEpoch,
    \* @type: Int;
    Limit,
    \* @type: Int;
    MaxDesc,
    \* @type: Int;
    MaxHs,
    \* @type: Bool;
    BUG_ReplyOnReject,
    \* @type: Bool;
    BUG_ChannelNotBound,
    \* @type: Bool;
    BUG_DoubleCharge,
    \* @type: Bool;
    BUG_NoReplayCheck,
    \* @type: Bool;
    BUG_JournalBeforeConfirm,
    \* @type: Bool;
    BUG_IgnoreRevocation,
    \* @type: Bool;
    BUG_NoEpochCheck,
    \* @type: Bool;
    BUG_RelayNoCapCheck,
    \* @type: Bool;
    BUG_NoRosterCheck,
    \* @type: Bool;
    BUG_RelayForwardsJunk,
    \* @type: Bool;
    BUG_ConfirmNotRelayed,
    \* @type: Bool;
    BUG_RefreshIgnoresEpoch,
    \* @type: Bool;
    BUG_RelayForwardsReplay

VARIABLES
    \* @type: Int;
    now,
    \* @type: CTX -> Int;
    epoch,
    \* @type: CTX -> (AUTH -> Set({ kind: Str, auth: AUTH, from: Int, until: Int, nonce: Int, id: Int, ep: Int }));
    journal,
    \* @type: CTX -> (AUTH -> (Int -> Int));
    spent,
    \* @type: CTX -> (AUTH -> (AUTH -> { st: Str, ep: Int, id: Int, ctx: CTX }));
    chan,
    \* @type: Int;
    nextId,
    \* @type: CTX -> (AUTH -> Int);
    lastTs,
    \* @type: Set({ type: Str, ctx: CTX, src: AUTH, dst: AUTH, to: AUTH, path: Str, ep: Int, id: Int, dok: Bool });
    net,
    \* @type: Seq({ resp: AUTH, ini: AUTH, ts: Int, ctx: CTX, ep: Int });
    hsLog,
    \* @type: AUTH -> Set({ op: Str, ctx: CTX, src: AUTH, ep: Int });
    rlog,
    \* @type: Set({ src: AUTH, type: Str, ctx: CTX, after: Str });
    sent,
    \* @type: Set(Int);
    confirmed

INSTANCE Rendezvous

\* The constants of MC_Rendezvous.cfg, with Apalache's typed model values.
CInit ==
    /\ Ini = "a1_OF_AUTH"
    /\ Resp = "a2_OF_AUTH"
    /\ Relay = "r1_OF_AUTH"
    /\ Outsider = "eve_OF_AUTH"
    /\ Ctx = {"c1_OF_CTX"}
    /\ RelayCtx = {"c1_OF_CTX"}
    /\ MaxTime = 1
    /\ Validity = 2
    /\ Window = 1
    /\ MaxEpoch = 1
    /\ Limit = 3
    /\ MaxDesc = 2
    /\ MaxHs = 1
    /\ BUG_ReplyOnReject = FALSE
    /\ BUG_ChannelNotBound = FALSE
    /\ BUG_DoubleCharge = FALSE
    /\ BUG_NoReplayCheck = FALSE
    /\ BUG_JournalBeforeConfirm = FALSE
    /\ BUG_IgnoreRevocation = FALSE
    /\ BUG_NoEpochCheck = FALSE
    /\ BUG_RelayNoCapCheck = FALSE
    /\ BUG_NoRosterCheck = FALSE
    /\ BUG_RelayForwardsJunk = FALSE
    /\ BUG_ConfirmNotRelayed = FALSE
    /\ BUG_RefreshIgnoresEpoch = FALSE
    /\ BUG_RelayForwardsReplay = FALSE
=============================================================================
