"""The room: the projector's rotating code, the phone sign-in page, the roster."""
