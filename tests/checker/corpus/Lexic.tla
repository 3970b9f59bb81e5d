---- MODULE Lexic ----
EXTENDS Integers, Sequences, FiniteSets, TLC
LOCAL INSTANCE Naturals
CONSTANT Proc
VARIABLES grid, log_1
a_b == 1
Dist[m, n \in 0..4] == IF m = 0 THEN n ELSE IF n = 0 THEN m ELSE Dist[m - 1, n - 1] + 2
Three == {<<x, y, z>> \in {0, 1} \X {0, 1} \X {0, 1} : x + y + z = 2}
Best == CHOOSE <<p, q>> \in Proc \X Proc : p # q
Tab == [t \in (1..2) \X (1..2) |-> t[1] * 10 + t[2]]
Init == /\ grid = [p \in Proc |-> <<>>]
        /\ log_1 = ""
Next == \E p \in Proc :
          /\ Len(grid[p]) < 2
          /\ grid' = [grid EXCEPT ![p] = Append(@, [who |-> p, n |-> Len(@)])]
          /\ log_1' = IF log_1 = "" THEN "s" ELSE log_1 \o "s"
Inv == /\ a_b = 1
       /\ \b1010 = 10 /\ \o17 = 15 /\ \h1F = 31
       /\ Dist[2, 3] = 5
       /\ Cardinality(Three) = 3
       /\ Best[1] # Best[2]
       /\ Tab[1, 2] = 12 /\ Tab[<<2, 1>>] = 21
       /\ "q\"uote" # "quote"
       /\ {1} \subseteq {1, 2}
       /\ 1 =< 2 /\ 2 \geq 1 /\ 1 /= 2 /\ \lnot FALSE /\ (TRUE \land TRUE) /\ (FALSE \lor TRUE)
       /\ ENABLED Next \/ \A p \in Proc : Len(grid[p]) = 2
       /\ \A p \in Proc : \A i \in 1..Len(grid[p]) : grid[p][i].who = p /\ grid[p][i].n = i - 1
       /\ Len(log_1) <= 2 * Cardinality(Proc)
Full == log_1 # "sss"
====
