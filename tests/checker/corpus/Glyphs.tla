------------------------------- MODULE Glyphs -------------------------------
(***************************************************************************)
(* The same mutual-exclusion protocol written with the Unicode forms of   *)
(* the operators (≜ ∧ ∨ ¬ ∈ ∉ ∀ ∃ ≠ ≤ ≥ ⟨ ⟩ ∪ ⊆ □ ◇ ↝), which SANY and   *)
(* TLC accept as synonyms of the ASCII ones.                              *)
(***************************************************************************)
\* features: unicode, liveness, fairness, leads-to, tuples, set-ops
EXTENDS Naturals

VARIABLES pc, flag

vars ≜ ⟨pc, flag⟩

P ≜ {0, 1}

Init ≜ pc = [p ∈ P ↦ "idle"] ∧ flag = {}

Enter(p) ≜ ∧ pc[p] = "idle"
           ∧ flag = {}
           ∧ pc' = [pc EXCEPT ![p] = "crit"]
           ∧ flag' = flag ∪ {p}

Leave(p) ≜ ∧ pc[p] = "crit"
           ∧ pc' = [pc EXCEPT ![p] = "idle"]
           ∧ flag' = flag \ {p}

Next ≜ ∃ p ∈ P : Enter(p) ∨ Leave(p)

Spec ≜ Init ∧ □[Next]_vars ∧ ∀ p ∈ P : WF_vars(Leave(p))

Mutex ≜ ∀ p, q ∈ P : (p ≠ q) ⇒ ¬(pc[p] = "crit" ∧ pc[q] = "crit")
Sized ≜ flag ⊆ P ∧ (∀ p ∈ P : p ∉ flag ∨ pc[p] = "crit")
Counted ≜ ∀ p ∈ P : p ≤ 1 ∧ p ≥ 0
LeavesCrit ≜ ∀ p ∈ P : (pc[p] = "crit") ↝ (pc[p] = "idle")
NeverCrit ≜ ◇(pc[1] = "crit")
=============================================================================
