---- MODULE MCChangRob ----
EXTENDS ChangRob
MCId == <<3, 1, 4, 2>>
====
