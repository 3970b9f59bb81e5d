---- MODULE Comm ----
EXTENDS Naturals, Sequences, SequencesExt, Functions, FiniteSetsExt, Folds, TLC
VARIABLE s
Init == s = <<>>
Next == Len(s) < 3 /\ \E v \in 1..2 : s' = Append(s, v)
Inv == /\ ToSet(s) \subseteq 1..2
       /\ Range([i \in 1..2 |-> i * 2]) = {2, 4}
       /\ SumSet({1, 2, 3}) = 6
       /\ Reverse(<<1, 2, 3>>) = <<3, 2, 1>>
       /\ FoldFunction(LAMBDA a, b : a + b, 0, [i \in 1..3 |-> i]) = 6
       /\ IsInjective(<<1, 2>>)
       /\ Cons(0, <<1>>) = <<0, 1>>
       /\ Front(<<1, 2>>) = <<1>> /\ Last(<<1, 2>>) = 2
       /\ MapThenSumSet(LAMBDA x : x * x, {1, 2}) = 5
       /\ SetToSeq({7}) = <<7>>
       /\ Max({3, 5}) = 5 /\ Min({3, 5}) = 3
       /\ Inverse([i \in 1..2 |-> i + 10], 1..2, 11..12)[11] = 1
       /\ Restrict([i \in 1..3 |-> i], {1}) = (1 :> 1)
       /\ Quantify({1, 2, 3}, LAMBDA x : x > 1) = 2
       /\ ReplaceAt(<<1, 2>>, 1, 5) = <<5, 2>>
       /\ InsertAt(<<1, 2>>, 2, 9) = <<1, 9, 2>>
       /\ RemoveAt(<<1, 2>>, 1) = <<2>>
       /\ Contains(<<1, 2>>, 2)
       /\ Prefixes(<<1, 2>>) = {<<>>, <<1>>, <<1, 2>>}
LenBad == Len(s) < 3
====
