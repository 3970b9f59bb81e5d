---- MODULE KnuthYaoK ----
EXTENDS Naturals, FiniteSets
VARIABLES s, done, p
Transition == [s0 |-> <<"s1", "s2">>, s1 |-> <<"s3", "s4">>, s2 |-> <<"s5", "s6">>,
               s3 |-> <<"s1", "1">>, s4 |-> <<"2", "3">>, s5 |-> <<"4", "5">>, s6 |-> <<"6", "s2">>]
States == DOMAIN Transition
Done == {"1", "2", "3", "4", "5", "6"}
Half(q) == [num |-> q.num, den |-> q.den * 2]
Init == s = "s0" /\ done = FALSE /\ p = [num |-> 1, den |-> 1]
Toss == /\ ~done
        /\ \E b \in {1, 2} : s' = Transition[s][b]
        /\ done' = (s' \in Done)
        /\ p' = Half(p)
Next == Toss \/ (done /\ UNCHANGED <<s, done, p>>)
Spec == Init /\ [][Next]_<<s, done, p>> /\ WF_<<s, done, p>>(Toss)
TypeOK == s \in States \cup Done /\ done \in BOOLEAN /\ p.den \in {2^k : k \in 0..10}
Deep == p.den < 64
Eventually == <>done
Constr == p.den <= 256
====
