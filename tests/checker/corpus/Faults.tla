------------------------------- MODULE Faults -------------------------------
(***************************************************************************)
(* Evaluation errors while computing successors: a division whose        *)
(* divisor reaches 0, a function applied outside its domain, and Tail of *)
(* an empty sequence.  Mode picks which fault the cfg exercises; mode 0  *)
(* runs clean.                                                            *)
(***************************************************************************)
\* features: eval-error, div-mod, function-constructor, seq-ops, case-other
EXTENDS Naturals, Sequences

CONSTANT Mode

VARIABLES d, f, q

Init == d = 3 /\ f = [i \in 1..2 |-> i] /\ q = <<1, 2>>

Divide == /\ d > 0 \/ Mode = 1
          /\ d' = d - 1
          /\ f' = [f EXCEPT ![1] = 12 \div (d + (IF Mode = 1 THEN 0 ELSE 1))]
          /\ UNCHANGED q

Look == /\ Mode \in {0, 2}
        /\ f' = [f EXCEPT ![2] = f[IF Mode = 2 THEN d ELSE 1]]
        /\ UNCHANGED <<d, q>>

Pop == /\ Mode \in {0, 3}
       /\ (q # <<>>) \/ Mode = 3
       /\ q' = Tail(q)
       /\ UNCHANGED <<d, f>>

Next == Divide \/ Look \/ Pop

Shape == DOMAIN f = 1..2
=============================================================================
