------------------------------ MODULE VotingK ------------------------------
EXTENDS Integers, FiniteSets
CONSTANTS Value, Acceptor, Quorum
ASSUME /\ \A Q \in Quorum : Q \subseteq Acceptor
       /\ \A Q1, Q2 \in Quorum : Q1 \cap Q2 # {}

Ballot == 0..2
None == CHOOSE v : v \notin Value

VARIABLES maxBal, votes, msgs

vars == <<maxBal, votes, msgs>>

Message == [type : {"1a"}, bal : Ballot]
      \cup [type : {"1b"}, acc : Acceptor, bal : Ballot, mbal : Ballot \cup {-1}, mval : Value \cup {None}]
      \cup [type : {"2a"}, bal : Ballot, val : Value]
      \cup [type : {"2b"}, acc : Acceptor, bal : Ballot, val : Value]

TypeOK == /\ maxBal \in [Acceptor -> Ballot \cup {-1}]
          /\ votes \in [Acceptor -> SUBSET (Ballot \X Value)]
          /\ msgs \subseteq Message

Init == /\ maxBal = [a \in Acceptor |-> -1]
        /\ votes = [a \in Acceptor |-> {}]
        /\ msgs = {}

Send(m) == msgs' = msgs \cup {m}

Phase1a(b) == /\ Send([type |-> "1a", bal |-> b])
              /\ UNCHANGED <<maxBal, votes>>

MaxVote(a) == IF votes[a] = {} THEN <<-1, None>>
              ELSE CHOOSE v \in votes[a] : \A w \in votes[a] : w[1] <= v[1]

Phase1b(a) == \E m \in msgs :
                 /\ m.type = "1a"
                 /\ m.bal > maxBal[a]
                 /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
                 /\ Send([type |-> "1b", acc |-> a, bal |-> m.bal,
                          mbal |-> MaxVote(a)[1], mval |-> MaxVote(a)[2]])
                 /\ UNCHANGED votes

Phase2a(b, v) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
  /\ \E Q \in Quorum :
        LET Q1b == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
            Q1bv == {m \in Q1b : m.mbal >= 0}
        IN  /\ \A a \in Q : \E m \in Q1b : m.acc = a
            /\ \/ Q1bv = {}
               \/ \E m \in Q1bv : /\ m.mval = v
                                  /\ \A mm \in Q1bv : m.mbal >= mm.mbal
  /\ Send([type |-> "2a", bal |-> b, val |-> v])
  /\ UNCHANGED <<maxBal, votes>>

Phase2b(a) == \E m \in msgs :
  /\ m.type = "2a"
  /\ m.bal >= maxBal[a]
  /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
  /\ votes' = [votes EXCEPT ![a] = @ \cup {<<m.bal, m.val>>}]
  /\ Send([type |-> "2b", acc |-> a, bal |-> m.bal, val |-> m.val])

Next == \/ \E b \in Ballot : \/ Phase1a(b)
                             \/ \E v \in Value : Phase2a(b, v)
        \/ \E a \in Acceptor : Phase1b(a) \/ Phase2b(a)

Spec == Init /\ [][Next]_vars

Chosen(v) == \E b \in Ballot, Q \in Quorum :
               \A a \in Q : \E m \in msgs : m.type = "2b" /\ m.acc = a /\ m.bal = b /\ m.val = v

Consistency == \A v1, v2 \in Value : Chosen(v1) /\ Chosen(v2) => v1 = v2
NothingChosen == \A v \in Value : ~Chosen(v)
Small == Cardinality(msgs) <= 5
=============================================================================
