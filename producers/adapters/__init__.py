"""Input adapters: turn the formats data really arrives in into event records, one input unit at a time."""
