---- MODULE Fair ----
\* Go can run only while busy is FALSE, and Toggle flips busy forever. Under
\* WF(Go) the Toggle loop is fair (Go is disabled at every other state), so
\* Reaches fails; under SF(Go) Go must eventually be taken, so Reaches holds.
EXTENDS Naturals

VARIABLES x, busy

vars == <<x, busy>>

Init == x = 0 /\ busy = FALSE

Toggle == busy' = ~busy /\ UNCHANGED x

Go == busy = FALSE /\ x = 0 /\ x' = 1 /\ UNCHANGED busy

Next == Toggle \/ Go

WFSpec == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ WF_vars(Go)

SFSpec == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ SF_vars(Go)

Reaches == <>(x = 1)

BusyAgain == []<>(busy = TRUE)

Odd == [](x = 1 => <>[](x = 1))
====
