---------------------------- MODULE Procs ----------------------------
EXTENDS Naturals, Sequences, TLC
CONSTANT N, Max
(*--algorithm Procs
variables total = 0, buf = <<>>;

macro Add(v) begin
  total := total + v;
end macro;

procedure Incr(k = 1)
variable tmp = 0;
begin
  i1: tmp := total;
  i2: Add(k);
  i2b: if total > Max then
        total := Max;
      end if;
  i3: return;
end procedure;

process worker \in 1..N
variable loops = 0;
begin
  w1: while loops < 2 do
        either
          call Incr(self);
        or
          with v \in {1, 2} do
            buf := Append(buf, v);
          end with;
        end either;
  w2:   loops := loops + 1;
      end while;
end process;

fair process drainer = 0
begin
  d1: while TRUE do
        await buf # <<>>;
        buf := Tail(buf);
      end while;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, total, buf, stack, k, tmp, loops

vars == << pc, total, buf, stack, k, tmp, loops >>

ProcSet == (1..N) \cup {0}

Init == (* Global variables *)
        /\ total = 0
        /\ buf = <<>>
        (* Procedure Incr *)
        /\ k = [ self \in ProcSet |-> 1]
        /\ tmp = [ self \in ProcSet |-> 0]
        (* Process worker *)
        /\ loops = [self \in 1..N |-> 0]
        /\ stack = [self \in ProcSet |-> << >>]
        /\ pc = [self \in ProcSet |-> CASE self \in 1..N -> "w1"
                                        [] self = 0 -> "d1"]

i1(self) == /\ pc[self] = "i1"
            /\ tmp' = [tmp EXCEPT ![self] = total]
            /\ pc' = [pc EXCEPT ![self] = "i2"]
            /\ UNCHANGED << total, buf, stack, k, loops >>

i2(self) == /\ pc[self] = "i2"
            /\ total' = total + k[self]
            /\ pc' = [pc EXCEPT ![self] = "i2b"]
            /\ UNCHANGED << buf, stack, k, tmp, loops >>

i2b(self) == /\ pc[self] = "i2b"
             /\ IF total > Max
                   THEN /\ total' = Max
                   ELSE /\ TRUE
                        /\ total' = total
             /\ pc' = [pc EXCEPT ![self] = "i3"]
             /\ UNCHANGED << buf, stack, k, tmp, loops >>

i3(self) == /\ pc[self] = "i3"
            /\ pc' = [pc EXCEPT ![self] = Head(stack[self]).pc]
            /\ tmp' = [tmp EXCEPT ![self] = Head(stack[self]).tmp]
            /\ k' = [k EXCEPT ![self] = Head(stack[self]).k]
            /\ stack' = [stack EXCEPT ![self] = Tail(stack[self])]
            /\ UNCHANGED << total, buf, loops >>

Incr(self) == i1(self) \/ i2(self) \/ i2b(self) \/ i3(self)

w1(self) == /\ pc[self] = "w1"
            /\ IF loops[self] < 2
                  THEN /\ \/ /\ /\ k' = [k EXCEPT ![self] = self]
                                /\ stack' = [stack EXCEPT ![self] = << [ procedure |->  "Incr",
                                                                         pc        |->  "w2",
                                                                         tmp       |->  tmp[self],
                                                                         k         |->  k[self] ] >>
                                                                     \o stack[self]]
                             /\ tmp' = [tmp EXCEPT ![self] = 0]
                             /\ pc' = [pc EXCEPT ![self] = "i1"]
                             /\ buf' = buf
                          \/ /\ \E v \in {1, 2}:
                                  buf' = Append(buf, v)
                             /\ pc' = [pc EXCEPT ![self] = "w2"]
                             /\ UNCHANGED <<stack, k, tmp>>
                  ELSE /\ pc' = [pc EXCEPT ![self] = "Done"]
                       /\ UNCHANGED << buf, stack, k, tmp >>
            /\ UNCHANGED << total, loops >>

w2(self) == /\ pc[self] = "w2"
            /\ loops' = [loops EXCEPT ![self] = loops[self] + 1]
            /\ pc' = [pc EXCEPT ![self] = "w1"]
            /\ UNCHANGED << total, buf, stack, k, tmp >>

worker(self) == w1(self) \/ w2(self)

d1 == /\ pc[0] = "d1"
      /\ buf # <<>>
      /\ buf' = Tail(buf)
      /\ pc' = [pc EXCEPT ![0] = "d1"]
      /\ UNCHANGED << total, stack, k, tmp, loops >>

drainer == d1

Next == drainer
           \/ (\E self \in ProcSet: Incr(self))
           \/ (\E self \in 1..N: worker(self))

Spec == /\ Init /\ [][Next]_vars
        /\ WF_vars(drainer)

\* END TRANSLATION
TotalOK == total <= Max
BufSmall == Len(buf) <= 2
=======================================================================
