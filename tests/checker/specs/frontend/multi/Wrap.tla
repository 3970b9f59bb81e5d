---- MODULE Wrap ----
CONSTANT Cap
VARIABLE w
K == INSTANCE Counter WITH Limit <- Cap, c <- w
WInit == K!CInit
WStep == K!CStep
====
