"""Deployment files shipped with the distribution (the local Kafka launcher under ``kafka/``)."""
