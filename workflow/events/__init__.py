"""Report events: the message each history entry becomes (``messages``) and the live
feed that turns them into subscription results (``live``)."""
