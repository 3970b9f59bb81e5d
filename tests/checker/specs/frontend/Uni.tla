---------------------------- MODULE Uni ----------------------------
(* The Unicode symbols of the TLA+ standard; bullets stay aligned.  *)
EXTENDS Naturals, Sequences, FiniteSets
CONSTANT Procs
VARIABLES owner, seen
Pairs ≜ Procs × Procs
Init ≜ ∧ owner ∈ Procs
       ∧ seen = [p ∈ Procs ↦ ⟨⟩]
Pass(p, q) ≜ ∧ owner = p ∧ p ≠ q
             ∧ Len(seen[q]) ≤ 1
             ∧ owner' = q
             ∧ seen' = [seen EXCEPT ![q] = Append(@, p)]
Next ≜ ∃ p, q ∈ Procs : Pass(p, q)
Spec ≜ Init ∧ □[Next]_⟨owner, seen⟩
TypeOK ≜ ∧ owner ∈ Procs
         ∧ ∀ p ∈ Procs : seen[p] ∈ Seq(Procs) ∧ ¬(Len(seen[p]) ≥ 3)
         ∧ {owner} ∪ {} ⊆ Procs ∧ Cardinality({owner} ∩ Procs) = 1
         ∧ (owner ∈ Procs ⇒ ⟨owner, owner⟩ ∈ Pairs)
=====================================================================
