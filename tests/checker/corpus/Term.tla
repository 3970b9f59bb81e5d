---- MODULE Term ----
EXTENDS Naturals, TLC
(*--algorithm Term
variables n = 0;
process p \in {1, 2}
begin
  s1: n := n + 1;
  s2: n := n + 1;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, n

vars == << pc, n >>

ProcSet == ({1, 2})

Init == (* Global variables *)
        /\ n = 0
        /\ pc = [self \in ProcSet |-> "s1"]

s1(self) == /\ pc[self] = "s1"
            /\ n' = n + 1
            /\ pc' = [pc EXCEPT ![self] = "s2"]

s2(self) == /\ pc[self] = "s2"
            /\ n' = n + 1
            /\ pc' = [pc EXCEPT ![self] = "Done"]

p(self) == s1(self) \/ s2(self)

(* Allow infinite stuttering to prevent deadlock on termination. *)
Terminating == /\ \A self \in ProcSet: pc[self] = "Done"
               /\ UNCHANGED vars

Next == (\E self \in {1, 2}: p(self))
           \/ Terminating

Spec == Init /\ [][Next]_vars

Termination == <>(\A self \in ProcSet: pc[self] = "Done")

\* END TRANSLATION
Done == n = 4 => \A q \in {1, 2} : pc[q] = "Done"
Eventually == <>(n = 4)
====
