---- MODULE Base ----
EXTENDS Naturals
CONSTANT Max
ASSUME Max \in Nat
LOCAL Helper == 1
MaxPlus == Max + Helper
====
