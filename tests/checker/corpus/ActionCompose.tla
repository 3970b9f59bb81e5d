---- MODULE ActionCompose ----
\* Action composition: TLC (this version) parses A \cdot B but refuses to
\* evaluate it ("does not support action composition"), an evaluation error
\* once the search first computes successors, or judges a step.
\* features: eval-error, tlc-specific
EXTENDS Naturals
VARIABLES x, y

Init == x = 0 /\ y = 0

Bump == x < 3 /\ x' = x + 1 /\ y' = y
Mix == y' = (x + y) % 4 /\ x' = x

Next == Bump \cdot Mix

\* As an action property: refused when the first step is judged.
ComposedSteps == [][Bump \cdot Mix]_<<x, y>>
====
