"""Stream keys and the life of a broadcast as nginx reports it (DESIGN §2.8):
a push authorised by ``on_publish``, kept going by ``on_update``, stopped by
``on_publish_done``; a drop that comes back within the reconnect window
continues the same broadcast.

Operations: they flush, never commit.
"""
