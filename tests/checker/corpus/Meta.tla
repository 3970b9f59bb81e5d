---- MODULE Meta ----
EXTENDS Naturals, Sequences, TLC
CONSTANT N
VARIABLES x, y
Init == x = 0 /\ y = 0 /\ TLCSet(1, 0)
Next == \/ x < N /\ x' = x + 1 /\ y' = y
        \/ y < N /\ y' = y + 1 /\ x' = x
        \/ x = N /\ y = N /\ x' = 0 /\ y' = 0
Spec == Init /\ [][Next]_<<x, y>>
LevelOK == TLCGet("level") <= 2 * N + 1
Depth == TLCGet("level") < 4
View == x
Alias == [x |-> x, sum |-> x + y, lvl |-> TLCGet("level")]
NoBigJump == x' + y' >= x + y
Con == x + y <= 3
Printing == PrintT(<<"x", x>>) /\ Print("y", TRUE) /\ TRUE
AssertOK == Assert(x <= N, "x too big")
AssertBad == Assert(x + y < 3, "sum reached 3")
Diag == x # y \/ x = 0
====
