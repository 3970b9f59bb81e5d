---- MODULE MissCann ----
EXTENDS Integers, FiniteSets, TLC
CONSTANTS Missionaries, Cannibals
VARIABLES bank_of_boat, who_is_on_bank
Banks == {"E", "W"}
Persons == Missionaries \cup Cannibals
OtherBank(b) == IF b = "E" THEN "W" ELSE "E"
IsSafe(S) == \/ S \cap Missionaries = {}
             \/ Cardinality(S \cap Missionaries) >= Cardinality(S \cap Cannibals)
TypeOK == /\ bank_of_boat \in Banks
          /\ who_is_on_bank \in [Banks -> SUBSET Persons]
Init == /\ bank_of_boat = "E"
        /\ who_is_on_bank = [i \in Banks |-> IF i = "E" THEN Persons ELSE {}]
Move(S, b) ==
  /\ Cardinality(S) \in {1, 2}
  /\ LET newThisBank == who_is_on_bank[b] \ S
         newOtherBank == who_is_on_bank[OtherBank(b)] \cup S
     IN  /\ IsSafe(newThisBank)
         /\ IsSafe(newOtherBank)
         /\ bank_of_boat' = OtherBank(b)
         /\ who_is_on_bank' = [i \in {b} |-> newThisBank] @@ [i \in {OtherBank(b)} |-> newOtherBank]
Next == \E S \in SUBSET who_is_on_bank[bank_of_boat] : Move(S, bank_of_boat)
Solution == who_is_on_bank["E"] # {}
====
