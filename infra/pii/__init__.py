"""Personal data at rest: per-case data keys wrapped by a master key, and erasure."""
