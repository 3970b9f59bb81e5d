---- MODULE BakeryP ----
EXTENDS Naturals, TLC
CONSTANT N, MaxNum
Procs == 1..N
a \ll b == a[1] < b[1] \/ (a[1] = b[1] /\ a[2] < b[2])
(*--algorithm Bakery
variables num = [i \in Procs |-> 0], flag = [i \in Procs |-> FALSE];
fair+ process p \in Procs
variables unchecked = {}, max = 0, nxt = 1;
begin
ncs: while TRUE do
  e1: flag[self] := TRUE;
      unchecked := Procs \ {self};
      max := 0;
  e2: while unchecked # {} do
        with i \in unchecked do
          unchecked := unchecked \ {i};
          if num[i] > max then max := num[i]; end if;
        end with;
      end while;
  e3: with k \in {j \in (max + 1)..MaxNum : TRUE} do
        num[self] := k;
      end with;
  e4: flag[self] := FALSE;
      unchecked := Procs \ {self};
  w1: while unchecked # {} do
        with i \in unchecked do
          nxt := i;
        end with;
        await ~flag[nxt];
  w2:   await \/ num[nxt] = 0
              \/ <<num[self], self>> \ll <<num[nxt], nxt>>;
        unchecked := unchecked \ {nxt};
      end while;
  cs: skip;
  exit: num[self] := 0;
end while;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, num, flag, unchecked, max, nxt

vars == << pc, num, flag, unchecked, max, nxt >>

ProcSet == (Procs)

Init == (* Global variables *)
        /\ num = [i \in Procs |-> 0]
        /\ flag = [i \in Procs |-> FALSE]
        (* Process p *)
        /\ unchecked = [self \in Procs |-> {}]
        /\ max = [self \in Procs |-> 0]
        /\ nxt = [self \in Procs |-> 1]
        /\ pc = [self \in ProcSet |-> "ncs"]

ncs(self) == /\ pc[self] = "ncs"
             /\ pc' = [pc EXCEPT ![self] = "e1"]
             /\ UNCHANGED << num, flag, unchecked, max, nxt >>

e1(self) == /\ pc[self] = "e1"
            /\ flag' = [flag EXCEPT ![self] = TRUE]
            /\ unchecked' = [unchecked EXCEPT ![self] = Procs \ {self}]
            /\ max' = [max EXCEPT ![self] = 0]
            /\ pc' = [pc EXCEPT ![self] = "e2"]
            /\ UNCHANGED << num, nxt >>

e2(self) == /\ pc[self] = "e2"
            /\ IF unchecked[self] # {}
                  THEN /\ \E i \in unchecked[self]:
                            /\ unchecked' = [unchecked EXCEPT ![self] = unchecked[self] \ {i}]
                            /\ IF num[i] > max[self]
                                  THEN /\ max' = [max EXCEPT ![self] = num[i]]
                                  ELSE /\ TRUE
                                       /\ max' = max
                       /\ pc' = [pc EXCEPT ![self] = "e2"]
                  ELSE /\ pc' = [pc EXCEPT ![self] = "e3"]
                       /\ UNCHANGED << unchecked, max >>
            /\ UNCHANGED << num, flag, nxt >>

e3(self) == /\ pc[self] = "e3"
            /\ \E k \in {j \in (max[self] + 1)..MaxNum : TRUE}:
                 num' = [num EXCEPT ![self] = k]
            /\ pc' = [pc EXCEPT ![self] = "e4"]
            /\ UNCHANGED << flag, unchecked, max, nxt >>

e4(self) == /\ pc[self] = "e4"
            /\ flag' = [flag EXCEPT ![self] = FALSE]
            /\ unchecked' = [unchecked EXCEPT ![self] = Procs \ {self}]
            /\ pc' = [pc EXCEPT ![self] = "w1"]
            /\ UNCHANGED << num, max, nxt >>

w1(self) == /\ pc[self] = "w1"
            /\ IF unchecked[self] # {}
                  THEN /\ \E i \in unchecked[self]:
                            nxt' = [nxt EXCEPT ![self] = i]
                       /\ ~flag[nxt'[self]]
                       /\ pc' = [pc EXCEPT ![self] = "w2"]
                  ELSE /\ pc' = [pc EXCEPT ![self] = "cs"]
                       /\ nxt' = nxt
            /\ UNCHANGED << num, flag, unchecked, max >>

w2(self) == /\ pc[self] = "w2"
            /\ \/ num[nxt[self]] = 0
               \/ <<num[self], self>> \ll <<num[nxt[self]], nxt[self]>>
            /\ unchecked' = [unchecked EXCEPT ![self] = unchecked[self] \ {nxt[self]}]
            /\ pc' = [pc EXCEPT ![self] = "w1"]
            /\ UNCHANGED << num, flag, max, nxt >>

cs(self) == /\ pc[self] = "cs"
            /\ TRUE
            /\ pc' = [pc EXCEPT ![self] = "exit"]
            /\ UNCHANGED << num, flag, unchecked, max, nxt >>

exit(self) == /\ pc[self] = "exit"
              /\ num' = [num EXCEPT ![self] = 0]
              /\ pc' = [pc EXCEPT ![self] = "ncs"]
              /\ UNCHANGED << flag, unchecked, max, nxt >>

p(self) == ncs(self) \/ e1(self) \/ e2(self) \/ e3(self) \/ e4(self)
              \/ w1(self) \/ w2(self) \/ cs(self) \/ exit(self)

Next == (\E self \in Procs: p(self))

Spec == /\ Init /\ [][Next]_vars
        /\ \A self \in Procs : SF_vars(p(self))

\* END TRANSLATION
MutualExclusion == \A i, j \in Procs : (i # j) => ~(pc[i] = "cs" /\ pc[j] = "cs")
StarvationFree == \A i \in Procs : (pc[i] = "e1") ~> (pc[i] = "cs")
NumBound == \A i \in Procs : num[i] <= MaxNum
====
