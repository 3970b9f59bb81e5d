---- MODULE MCKitchen ----
EXTENDS Kitchen
Double(x) == 2 * x
====
