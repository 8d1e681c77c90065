"""Read models: one module per projection, each a tracked fold over the event log."""
