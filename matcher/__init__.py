"""The matcher: pure domain rules (no I/O, no clock) answering "divert to what, and where?"."""
