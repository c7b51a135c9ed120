"""Broker ACLs derived from the member registry: each principal may do what its role needs, nothing else.

With an authorizer on the broker and ``allow.everyone.if.no.acl.found=false``, the grants of
:func:`grants` are the whole of who may do what:

* a member's principals may write (and describe) the topics of the families it may publish, and the
  dead-letter topic (publishers dead-letter what they refuse);
* the exchange's principals (the member ``CN/GOV/IPRX/stream-processors``: the worker) may read the
  worker's input topics, write signals, partner notices and dead letters, do anything with its own
  internal topics (prefixes ``<worker.group_id>-`` and, for the re-key topics, the topic prefix before it)
  and use its consumer group;
* the sink's principal may read every topic of the catalogue and use its consumer group.

Nobody else gets anything: a member cannot write another family's topic nor the signals topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.members import MemberRegistry

EXCHANGE = "CN/GOV/IPRX/stream-processors"  # the worker's member id (stream_processors.signals.SIGNAL_PUBLISHER)


@dataclass(frozen=True, order=True)
class Grant:
    """Allow ``principal`` to do ``operation`` on ``resource`` (TOPIC, GROUP) named ``name`` (or prefixed so)."""

    principal: str
    resource: str
    name: str
    operation: str
    prefixed: bool = False

    def __str__(self) -> str:
        pattern = f"{self.name}*" if self.prefixed else self.name
        return f"{self.principal} may {self.operation} {self.resource.lower()} {pattern}"


def grants(settings: Settings, members: MemberRegistry, sink_principal: str) -> list[Grant]:
    """Every grant the registry implies for this installation (topic prefix and group ids of ``settings``)."""
    topic = settings.topic
    out: set[Grant] = set()

    def allow(principal: str, resource: str, name: str, *operations: str, prefixed: bool = False) -> None:
        out.update(Grant(principal, resource, name, op, prefixed) for op in operations)

    for member in members:
        for principal in member.principals:
            for family in member.families:
                allow(principal, "TOPIC", topic(topics.FAMILY_TOPIC[family].name), "WRITE", "DESCRIBE")
            if member.families:
                allow(principal, "TOPIC", topic(topics.DEAD_LETTER.name), "WRITE", "DESCRIBE")
    exchange = members.get(EXCHANGE)
    for principal in exchange.principals if exchange else ():
        for spec in topics.WORKER_INPUTS:
            allow(principal, "TOPIC", topic(spec.name), "READ", "DESCRIBE")
        for spec in (topics.SIGNALS, topics.COOPERATION_OUTBOUND, topics.DEAD_LETTER):
            allow(principal, "TOPIC", topic(spec.name), "WRITE", "DESCRIBE")
        group = settings.worker.group_id
        allow(principal, "TOPIC", topic(f"{group}-"), "ALL", prefixed=True)  # re-key topics (stream_processors.rekey)
        allow(principal, "TOPIC", f"{group}-", "ALL", prefixed=True)  # Faust's changelogs and assignor topic
        allow(principal, "GROUP", group, "READ", "DESCRIBE")
    for spec in topics.ALL:
        allow(sink_principal, "TOPIC", topic(spec.name), "READ", "DESCRIBE")
    allow(sink_principal, "GROUP", settings.sink.group_id, "READ", "DESCRIBE")
    return sorted(out)
