---- MODULE TermF ----
EXTENDS Naturals, TLC
CONSTANT K
(*--algorithm TermF
variables n = 0, lock = FALSE;
fair process p \in 1..K
variable got = 0;
begin
  s1: await ~lock;
      lock := TRUE;
  s2: n := n + 1;
      got := n;
  s3: lock := FALSE;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, n, lock, got

vars == << pc, n, lock, got >>

ProcSet == (1..K)

Init == (* Global variables *)
        /\ n = 0
        /\ lock = FALSE
        (* Process p *)
        /\ got = [self \in 1..K |-> 0]
        /\ pc = [self \in ProcSet |-> "s1"]

s1(self) == /\ pc[self] = "s1"
            /\ ~lock
            /\ lock' = TRUE
            /\ pc' = [pc EXCEPT ![self] = "s2"]
            /\ UNCHANGED << n, got >>

s2(self) == /\ pc[self] = "s2"
            /\ n' = n + 1
            /\ got' = [got EXCEPT ![self] = n']
            /\ pc' = [pc EXCEPT ![self] = "s3"]
            /\ lock' = lock

s3(self) == /\ pc[self] = "s3"
            /\ lock' = FALSE
            /\ pc' = [pc EXCEPT ![self] = "Done"]
            /\ UNCHANGED << n, got >>

p(self) == s1(self) \/ s2(self) \/ s3(self)

(* Allow infinite stuttering to prevent deadlock on termination. *)
Terminating == /\ \A self \in ProcSet: pc[self] = "Done"
               /\ UNCHANGED vars

Next == (\E self \in 1..K: p(self))
           \/ Terminating

Spec == /\ Init /\ [][Next]_vars
        /\ \A self \in 1..K : WF_vars(p(self))

Termination == <>(\A self \in ProcSet: pc[self] = "Done")

\* END TRANSLATION
AlwaysEnabled == [](ENABLED Next)
AllGot == <>[](\A q \in 1..K : got[q] > 0)
NTo == [](n = K => [](n = K))
Ordered == \A q \in 1..K : pc[q] = "Done" => got[q] \in 1..K
====
