---- MODULE Grid ----
\* Two Cells through INSTANCE ... WITH (a named one and a parameterised one),
\* a LAMBDA passed to a higher-order operator and a nested EXCEPT path.
EXTENDS Naturals

VARIABLES a, b, r

C1 == INSTANCE Cell WITH val <- a, Limit <- 2
C(v, L) == INSTANCE Cell WITH val <- v, Limit <- L

Apply(F(_), v) == F(v)

Init == a = 0 /\ b = 0 /\ r = [p |-> [q |-> <<0, 0>>]]

Next == \/ C1!Inc /\ UNCHANGED <<b, r>>
        \/ C1!Reset /\ UNCHANGED <<b, r>>
        \/ C(b, 1)!Inc /\ r' = [r EXCEPT !.p.q[2] = Apply(LAMBDA z : z + 1, @)] /\ UNCHANGED a
        \/ C(b, 1)!Reset /\ r' = [r EXCEPT !.p.q[2] = 0] /\ UNCHANGED a

TypeOK == C1!Ok /\ C(b, 1)!Ok /\ r.p.q[1] = 0

Mirror == r.p.q[2] = b

Small == a + b < 3
====
