---------------------------- MODULE APDescriptorValidity ----------------------------
(***************************************************************************)
(* Apalache wrapper of DescriptorValidity (the APTCommit pattern): the same *)
(* constants and variables with their types, the neutral module by          *)
(* INSTANCE, and CInit fixing the constants as MC_<Module>.cfg does.        *)
(* Run: apalache-mc check --cinit=CInit --init=DVInit --next=DVNext         *)
(*      --inv=<invariant> APDescriptorValidity.tla                          *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    \* @type: Set(AUTH);
    Auth,
    \* @type: Set(CTX);
    Ctx,
    \* @type: Set(AUTH);
    Publishers,
    \* @type: AUTH;
    Outsider,
    \* @type: Int;
    MaxTime,
    \* @type: Int;
    Validity,
    \* @type: Int;
    Window,
    \* @type: Int;
    MaxNonce,
    \* @type: Int;
    MaxSyncIds,
    \* @type: Bool;
    BUG_CrossContextLookup,
    \* @type: Bool;
    BUG_InclusiveValidUntil,
    \* @type: Bool;
    BUG_IgnoreRevocation,
    \* @type: Bool;
    BUG_AnyoneRevokes,
    \* @type: Bool;
    BUG_LastArrivedWins,
    \* @type: Bool;
    BUG_SyncReplaces,
    \* @type: Bool;
    BUG_SyncToNonMember,
    \* @type: Bool;
    BUG_UnauthenticatedSync,
    \* @type: Bool;
    BUG_UnboundedLamport,
    \* @type: Bool;
    BUG_UnsignedFacts,
    \* @type: Bool;
    BUG_SyncCapped,
    \* @type: Bool;
    BUG_SyncRevivesPruned,
    \* @type: Bool;
    BUG_RevokeAny

VARIABLES
    \* @type: Int;
    now,
    \* @type: AUTH -> Set({ kind: Str, auth: AUTH, ctx: CTX, from: Int, until: Int, nonce: Int, by: AUTH });
    journal,
    \* @type: AUTH -> Int;
    nextNonce,
    \* @type: AUTH -> (CTX -> (AUTH -> Set({ kind: Str, auth: AUTH, ctx: CTX, from: Int, until: Int, nonce: Int, by: AUTH })));
    lastSeen,
    \* @type: AUTH -> Bool;
    exhausted,
    \* @type: AUTH -> Int;
    horizon

INSTANCE DescriptorValidity

\* The constants of MC_DescriptorValidity.cfg, with Apalache's typed model values.
CInit ==
    /\ Auth = {"a1_OF_AUTH", "a2_OF_AUTH"}
    /\ Ctx = {"c1_OF_CTX", "c2_OF_CTX"}
    /\ Publishers = {"a1_OF_AUTH"}
    /\ Outsider = "eve_OF_AUTH"
    /\ MaxTime = 2
    /\ Validity = 2
    /\ Window = 1
    /\ MaxNonce = 2
    /\ MaxSyncIds = 1
    /\ BUG_CrossContextLookup = FALSE
    /\ BUG_InclusiveValidUntil = FALSE
    /\ BUG_IgnoreRevocation = FALSE
    /\ BUG_AnyoneRevokes = FALSE
    /\ BUG_LastArrivedWins = FALSE
    /\ BUG_SyncReplaces = FALSE
    /\ BUG_SyncToNonMember = FALSE
    /\ BUG_UnauthenticatedSync = FALSE
    /\ BUG_UnboundedLamport = FALSE
    /\ BUG_UnsignedFacts = FALSE
    /\ BUG_SyncCapped = FALSE
    /\ BUG_SyncRevivesPruned = FALSE
    /\ BUG_RevokeAny = FALSE
=============================================================================
