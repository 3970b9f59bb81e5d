---- MODULE Errs ----
EXTENDS Naturals, Sequences, FiniteSets, TLC
VARIABLES x, y, f
Init == x = 0 /\ y = 0 /\ f = [i \in 1..2 |-> 0]
Base == /\ x < 3 /\ x' = x + 1 /\ UNCHANGED <<y, f>>
NoY == x < 2 /\ x' = x + 1 /\ f' = f
Dom == x = 2 /\ f' = [f EXCEPT ![x] = 1] /\ x' = f[x + 1] /\ y' = y
Prime == x' > 0 /\ x' = 1 /\ UNCHANGED <<y, f>>
Choose == x = 2 /\ x' = CHOOSE v \in {} : TRUE /\ UNCHANGED <<y, f>>
Empty == x' \in {} /\ UNCHANGED <<y, f>>
NonBool == IF x THEN x' = 1 ELSE x' = 2
Card == x = 1 /\ y' = Cardinality(Nat) /\ UNCHANGED <<x, f>>
Head0 == x = 2 /\ y' = Head(<<>>) /\ UNCHANGED <<x, f>>
Rec == x = 1 /\ y' = [a |-> 1].b /\ UNCHANGED <<x, f>>
Str == x = 2 /\ y' = ("a" < "b") /\ UNCHANGED <<x, f>>
Spec1 == Init /\ [][Base \/ NoY]_<<x, y, f>>
Spec2 == Init /\ [][Base \/ Dom]_<<x, y, f>>
Spec3 == Init /\ [][Prime]_<<x, y, f>>
Spec4 == Init /\ [][Base \/ Choose]_<<x, y, f>>
Spec5 == Init /\ [][Empty]_<<x, y, f>>
Spec6 == Init /\ [][NonBool /\ UNCHANGED <<y, f>>]_<<x, y, f>>
Spec7 == Init /\ [][Base \/ Card]_<<x, y, f>>
Spec8 == Init /\ [][Base \/ Head0]_<<x, y, f>>
Spec9 == Init /\ [][Base \/ Rec]_<<x, y, f>>
Spec10 == Init /\ [][Base \/ Str]_<<x, y, f>>
NotBool == x + 1
StatePred == x = 0
AlwaysLow == [](x < 2)
Tempo == []<>(x = 3)
ActInv == x' >= x
====
