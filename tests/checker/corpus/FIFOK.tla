---- MODULE FIFOK ----
EXTENDS Naturals, Sequences
CONSTANT Message, Cap
VARIABLES in, out, q
InChan == INSTANCE ChannelK WITH Data <- Message, chan <- in
OutChan == INSTANCE ChannelK WITH Data <- Message, chan <- out
Init == /\ InChan!Init
        /\ OutChan!Init
        /\ q = <<>>
TypeInvariant == /\ InChan!TypeInvariant
                 /\ OutChan!TypeInvariant
                 /\ q \in Seq(Message)
SSend(msg) == /\ InChan!Send(msg)
              /\ UNCHANGED <<out, q>>
BufRcv == /\ InChan!Rcv
          /\ Len(q) < Cap
          /\ q' = Append(q, in.val)
          /\ UNCHANGED out
BufSend == /\ q # <<>>
           /\ OutChan!Send(Head(q))
           /\ q' = Tail(q)
           /\ UNCHANGED in
RRcv == /\ OutChan!Rcv
        /\ UNCHANGED <<in, q>>
Next == \/ \E msg \in Message : SSend(msg)
        \/ BufRcv \/ BufSend \/ RRcv
vars == <<in, out, q>>
Spec == Init /\ [][Next]_vars
FairSpec == Spec /\ WF_vars(BufSend) /\ WF_vars(RRcv) /\ SF_vars(BufRcv)
Bounded == Len(q) <= Cap
InImpl == InChan!Spec
Drains == (q # <<>>) ~> (q = <<>>)
NeverFull == <>[](Len(q) < Cap)
Delivered == \A m \in Message : (out.val = m /\ out.rdy # out.ack) ~> (out.rdy = out.ack)
====
