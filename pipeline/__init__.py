"""Runs the pipeline as processes: the local Kafka broker, worker and sink entry points, and waits on their lag."""
