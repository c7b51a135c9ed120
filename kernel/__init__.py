"""The shared kernel every library builds on.

Configuration, the topic catalogue, Kafka clients, serialization and dead letters.
"""
