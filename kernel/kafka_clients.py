"""Turns the one Kafka configuration into the options of each client library (kafka-python, Faust)."""

from __future__ import annotations

import ssl
from typing import Any

from iprx.kernel.config import KafkaSettings


def bootstrap_list(kafka: KafkaSettings) -> list[str]:
    return [s.strip() for s in kafka.bootstrap_servers.split(",") if s.strip()]


def kafka_python_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Connection and security options shared by kafka-python producers, consumers and admin."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_list(kafka),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        options.update(
            ssl_cafile=kafka.ssl_cafile,
            ssl_certfile=kafka.ssl_certfile,
            ssl_keyfile=kafka.ssl_keyfile,
            ssl_password=kafka.ssl_password,
        )
    if kafka.security_protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=kafka.sasl_mechanism,
            sasl_plain_username=kafka.sasl_username,
            sasl_plain_password=kafka.sasl_password,
        )
    return options


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=kafka.ssl_cafile)
    if kafka.ssl_certfile:
        context.load_cert_chain(kafka.ssl_certfile, kafka.ssl_keyfile, kafka.ssl_password)
    return context


def faust_broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """``broker`` and ``broker_credentials`` arguments for ``faust.App``."""
    import faust  # Faust is heavy; only the worker needs it

    options: dict[str, Any] = {"broker": [f"kafka://{s}" for s in bootstrap_list(kafka)]}
    protocol = kafka.security_protocol
    if protocol == "SSL":
        options["broker_credentials"] = faust.SSLCredentials(ssl_context(kafka))
    elif protocol.startswith("SASL"):
        options["broker_credentials"] = faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password,
            mechanism=kafka.sasl_mechanism,
            ssl_context=ssl_context(kafka) if protocol == "SASL_SSL" else None,
        )
    return options
