---- MODULE Kitchen ----
EXTENDS Integers, Sequences, FiniteSets, TLC
CONSTANTS Procs, Limit, F(_), Zero
VARIABLES tab, pc, hist

RECURSIVE SumSeq(_)
SumSeq(s) == IF s = <<>> THEN 0 ELSE Head(s) + SumSeq(Tail(s))

RECURSIVE IsEven(_), IsOdd(_)
IsEven(n) == IF n = 0 THEN TRUE ELSE IsOdd(n - 1)
IsOdd(n) == IF n = 0 THEN FALSE ELSE IsEven(n - 1)

fact[n \in 0..10] == IF n = 0 THEN 1 ELSE n * fact[n - 1]

Max(S) == CHOOSE m \in S : \A o \in S : o <= m
Pairs == {<<a, b>> \in Procs \X Procs : a # b}
Grid == [p \in Procs, k \in 1..2 |-> 0]
Apply(G(_), x) == G(G(x))

Init == /\ tab = [p \in Procs |-> [cnt |-> Zero, tag |-> "idle"]]
        /\ pc = [p \in Procs |-> "a"]
        /\ hist = <<>>

Step(p) ==
  LET c == tab[p].cnt
      next == CASE pc[p] = "a" -> "b"
                [] pc[p] = "b" -> "c"
                [] OTHER -> "a"
  IN /\ c < Limit
     /\ pc' = [pc EXCEPT ![p] = next]
     /\ tab' = [tab EXCEPT ![p].cnt = @ + 1, ![p].tag = next]
     /\ hist' = IF Len(hist) < 3 THEN Append(hist, <<p, c>>) ELSE hist

Swap ==
  \E <<a, b>> \in Pairs :
     /\ tab[a].cnt > tab[b].cnt
     /\ tab' = [tab EXCEPT ![a] = tab[b], ![b] = tab[a]]
     /\ UNCHANGED <<pc, hist>>

Next == (\E p \in Procs : Step(p)) \/ Swap

vars == <<tab, pc, hist>>
Spec == Init /\ [][Next]_vars

TypeOK ==
  /\ tab \in [Procs -> [cnt : 0..Limit, tag : {"idle", "a", "b", "c"}]]
  /\ pc \in [Procs -> {"a", "b", "c"}]
  /\ hist \in Seq(Procs \X (0..Limit))

Facts ==
  /\ SumSeq(<<1, 2, 3>>) = 6
  /\ IsEven(10) /\ IsOdd(7)
  /\ fact[5] = 120
  /\ Max({3, 9, 2}) = 9
  /\ Cardinality(Pairs) = Cardinality(Procs) * (Cardinality(Procs) - 1)
  /\ DOMAIN Grid = Procs \X (1..2)
  /\ Apply(F, 1) = F(F(1))
  /\ (1 :> "x" @@ 2 :> "y")[2] = "y"
  /\ ("a" :> 1 @@ "a" :> 2)["a"] = 1
  /\ DOMAIN [n |-> 1, m |-> 2] = {"n", "m"}
  /\ UNION {{1, 2}, {2, 3}} = 1..3
  /\ Cardinality(SUBSET (1..3)) = 8
  /\ "ab" \o "cd" = "abcd"
  /\ Len("abc") = 3
  /\ ToString(12) = "12"
  /\ <<1, 2>> \in Seq({1, 2})
  /\ [a |-> 1, b |-> 2] = [b |-> 2, a |-> 1]
  /\ {x \in 1..10 : x % 3 = 0} = {3, 6, 9}
  /\ {x * x : x \in -2..2} = {0, 1, 4}
  /\ \A <<x, y>> \in {1, 2} \X {3} : x < y
  /\ SortSeq(<<3, 1, 2>>, <) = <<1, 2, 3>>
  /\ Permutations({1, 2, 3}) \subseteq [1..3 -> 1..3]
  /\ Cardinality(Permutations({1, 2, 3})) = 6

SumBound == SumSeq([i \in 1..Len(hist) |-> hist[i][2]]) < 2

Hist3 == Len(hist) < 3
=============================================================================
