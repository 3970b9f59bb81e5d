---- MODULE Equiv ----
EXTENDS Integers, Sequences, FiniteSets, TLC
VARIABLE s
Init == s = <<>>
Next == Len(s) < 3 /\ \E v \in {"a", "b"} : s' = Append(s, v)
Max3 == LET S == {1, 3, 2} IN CHOOSE m \in S : \A o \in S : o <= m
Facts ==
  /\ <<1, 2>> = [i \in 1..2 |-> i]
  /\ <<>> = [i \in {} |-> 0]
  /\ [a |-> 1] = [x \in {"a"} |-> 1]
  /\ Append([i \in 1..2 |-> i * 10], 30) = <<10, 20, 30>>
  /\ DOMAIN <<"x", "y">> = 1..2
  /\ (<<1, 2>> @@ <<5, 6, 7>>) = <<1, 2, 7>>
  /\ [<<1, 2>> EXCEPT ![1] = 9] = <<9, 2>>
  /\ Len([<<1, 2>> EXCEPT ![1] = 9]) = 2
  /\ [r \in {<<1, 2>>} |-> r[1]][<<1, 2>>] = 1
  /\ {<<1, "a">>} \subseteq (1..2) \X {"a", "b"}
  /\ <<1, "a">> \in Int \X STRING
  /\ "abc" \in STRING
  /\ [a |-> 1, b |-> "x"] \in [a : Nat, b : STRING]
  /\ [a |-> 1] \notin [a : Nat, b : STRING]
  /\ [n \in Nat |-> n + 1][5] = 6
  /\ (CHOOSE x \in {3, 1, 2} : TRUE) = 1
  /\ {1, 2} \in SUBSET Nat
  /\ Cardinality({s2 \in SUBSET (1..4) : Cardinality(s2) = 2}) = 6
  /\ [x \in {1, 2} |-> x] \in [{1, 2} -> Nat]
  /\ Cardinality([1..3 -> BOOLEAN]) = 8
  /\ <<1, 2, 3>> \in Seq(1..3)
  /\ Head(<<"h">>) = "h"
  /\ {} \in SUBSET {}
  /\ -3 \in Int
  /\ Len(<<<<1>>, <<>>>>[2]) = 0
  /\ IF 1 \in {} THEN FALSE ELSE TRUE
  /\ (TRUE => FALSE) = FALSE
  /\ (FALSE <=> FALSE)
  /\ ~(TRUE \equiv FALSE)
  /\ \A b \in BOOLEAN : b \/ ~b
  /\ Cardinality(BOOLEAN \X BOOLEAN) = 4
  /\ {x \in 1..5 : FALSE} = {}
  /\ Max3 = 3
LenOK == Len(s) < 3
Sorted == \A i \in 1..Len(s) - 1 : s[i] <= s[i + 1]
====
