---- MODULE Live ----
\* Properties of every temporal shape, checked with and without fairness;
\* tests/checker/test_semantics.py has what TLC reports for each (N = 2).
EXTENDS Naturals
CONSTANT N
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = FALSE
Inc == x < N /\ x' = x + 1 /\ UNCHANGED y
Flip == y' = ~y /\ UNCHANGED x
Reset == x = N /\ x' = 0 /\ UNCHANGED y
Next == Inc \/ Flip \/ Reset
Spec == Init /\ [][Next]_vars
FSpec == Spec /\ WF_vars(Inc) /\ WF_vars(Reset)
SFSpec == Spec /\ \A i \in {1} : SF_vars(Inc) /\ WF_vars(Reset)
AllSpec == Spec /\ WF_vars(Inc) /\ WF_vars(Reset) /\ WF_vars(Flip)
P1 == [](x = N => <>(x = 0))
P2 == []<>(x = 0) /\ <>[](x <= N)
P3 == WF_vars(Inc) => []<>(x = N)
P4 == FSpec => []<>(x = N)
P5 == [][x' >= x \/ x' = 0]_vars
P6 == [][x' >= x]_vars
P7 == <>[](y = TRUE)
P8 == (x = 0) ~> (x = N)
P9 == []<><<Inc>>_vars
P10 == \A k \in 0..N : (x = k) ~> (x = 0)
P11 == [](y => <>~y)
P12 == <>(x = N) /\ [](x <= N)
P13 == []<>(y) => []<>(~y)
P14 == (WF_vars(Inc) /\ WF_vars(Reset)) => \A k \in 0..N : []<>(x = k)
P15 == [](x < N)
P16 == <>[](x = 0) \/ []<>(x = N)
P17 == ~<>[](y = FALSE)
P18 == []((x = 1) => [](x >= 1))
====
