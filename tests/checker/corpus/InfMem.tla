---- MODULE InfMem ----
EXTENDS Integers, Sequences, FiniteSets
CONSTANT Proc
VARIABLES f, s, r
Init == f = [p \in Proc |-> 0] /\ s = <<>> /\ r = [a |-> 0, b |-> <<>>]
Next == \E p \in Proc :
          /\ f[p] < 2
          /\ f' = [f EXCEPT ![p] = @ + 1]
          /\ s' = IF Len(s) < 2 THEN Append(s, f[p]) ELSE s
          /\ r' = [r EXCEPT !.a = @ - 1, !.b = IF Len(@) < 1 THEN Append(@, "x") ELSE @]
TypeOK == /\ f \in [Proc -> Nat]
          /\ s \in Seq(Nat)
          /\ r \in [a : Int, b : Seq(STRING)]
          /\ {f[p] : p \in Proc} \in SUBSET Nat
          /\ <<r.a, f[CHOOSE p \in Proc : TRUE]>> \in Int \X Nat
          /\ f \in [Proc -> 0..2]
          /\ s \in Seq(0..2) \cup {<<>>}
Neg == r.a > -3
====
