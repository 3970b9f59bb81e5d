---- MODULE ScaleBy ----
\* features: instance-with, constants
EXTENDS Naturals
CONSTANT K
Times(x) == x * K
====
