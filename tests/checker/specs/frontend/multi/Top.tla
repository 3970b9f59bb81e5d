---------------------------- MODULE Top ----------------------------
(* EXTENDS chains, a named instance whose module instantiates      *)
(* another, a parameterised instance, an unnamed instance and a    *)
(* submodule, all in one folder.                                   *)
EXTENDS Base, Sequences
VARIABLES a, b, qa, qb, pr
W == INSTANCE Wrap WITH Cap <- Max, w <- a
Q(x) == INSTANCE Queue WITH Msg <- {1, 2}, q <- x
INSTANCE Counter WITH Limit <- 2, c <- b
---- MODULE Pair ----
CONSTANT Unused
VARIABLE p
Swap == p' = <<p[2], p[1]>>
====
P == INSTANCE Pair WITH Unused <- 0, p <- pr
Init == /\ W!WInit /\ CInit /\ Q(qa)!QInit /\ Q(qb)!QInit
        /\ pr = <<1, 2>>
Next == \/ W!WStep /\ UNCHANGED <<b, qa, qb, pr>>
        \/ CStep /\ UNCHANGED <<a, qa, qb, pr>>
        \/ \E m \in {1, 2} : Q(qa)!Put(m) /\ UNCHANGED <<a, b, qb, pr>>
        \/ Q(qa)!Take /\ Q(qb)!Put(1) /\ UNCHANGED <<a, b, pr>>
        \/ P!Swap /\ UNCHANGED <<a, b, qa, qb>>
Inv == a <= Max /\ b <= 2 /\ Len(qa) <= 2 /\ a < MaxPlus
QbShort == Len(qb) < 2
=====================================================================
