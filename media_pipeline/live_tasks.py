"""Queue tasks of the live lane: a broadcast's ladder, run for as long as it is
pushed, and what happens when it ends."""
