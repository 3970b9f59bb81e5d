---------------------------- MODULE ProofPragmas ----------------------------
(***************************************************************************)
(* A token ring whose invariant carries a proof citing TLAPS pragmas; the  *)
(* pragma module is TLAPS.tla beside this file, as TLC needs it.          *)
(***************************************************************************)
\* features: tlaps, theorem, proof-steps
EXTENDS Naturals, TLAPS

CONSTANT N
VARIABLE holder, passes

Init == holder = 0 /\ passes = 0
Pass == /\ passes < 2 * N
        /\ holder' = (holder + 1) % N
        /\ passes' = passes + 1
Spec == Init /\ [][Pass]_<<holder, passes>>

TypeOK == holder \in 0..(N - 1) /\ passes \in 0..(2 * N)

THEOREM TypeCorrect == Spec => []TypeOK
<1>1. Init => TypeOK
  BY SMT DEF Init, TypeOK
<1>2. TypeOK /\ [Pass]_<<holder, passes>> => TypeOK'
  BY Zenon, SMTT(10) DEF TypeOK, Pass
<1>3. QED
  BY <1>1, <1>2, PTL DEF Spec
=============================================================================
