"""ipr-exchange: the one import name of the distribution.

Each layer is a top-level folder of the repository, mapped under ``iprx`` (see pyproject.toml).
Imports only run downward in this list (``tests/unit/test_layers.py`` holds it to that):

* ``iprx.schemas`` (``schemas/``) — Avro contracts, codecs, compatibility checks
* ``iprx.kernel`` (``kernel/``) — configuration, the topic catalogue, Kafka clients, serialization, dead letters
* ``iprx.producers``, ``iprx.stream_processors``, ``iprx.sinks`` — publishing, rules, landing; side by side
* ``iprx.pipeline`` (``pipeline/``) — running those as processes: the local broker, worker, sink, lag waits
* ``iprx.simulation``, ``iprx.bench`` — seeded scenarios with ground truth, and the benchmark
* ``iprx.cli`` (``cli/``) — the ``iprx`` command line
"""
