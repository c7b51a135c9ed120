"""`iprx kafka up --secure`: the local broker with TLS, SCRAM users and the member registry's ACLs."""

from __future__ import annotations

import dataclasses

from iprx.kernel.access import grants
from iprx.kernel.config import Secret, Settings
from iprx.kernel.kafka_admin import apply_grants, create_topics
from iprx.kernel.local_security import ADMIN, MECHANISM, prepare
from iprx.kernel.members import load_members
from iprx.pipeline import local_kafka


def up_secure(settings: Settings) -> int:
    """Start the local broker secured; create the topics and the registry's ACLs as its admin."""
    members = load_members(settings.members.file or None)
    principals = sorted({p for m in members for p in m.principals} | {settings.sink.principal})
    k = settings.kafka
    security = prepare(local_kafka.secure_dir(settings), principals, k.local_port, k.local_controller_port)
    code = local_kafka.run(settings, "up", check=False, secure=True)
    if code != 0:
        return code
    as_admin = dataclasses.replace(
        k,
        security_protocol="SASL_SSL",
        sasl_mechanism=MECHANISM,
        sasl_username=ADMIN,
        sasl_password=Secret(security.users[ADMIN]),
        ssl_cafile=str(security.ca),
    )
    admin = dataclasses.replace(settings, kafka=as_admin)
    create_topics(admin)
    failed = apply_grants(admin, grants(settings, members, settings.sink.principal))
    for failure in failed:
        print(f"error: {failure}")
    print(
        f"secured: SASL_SSL ({MECHANISM}) with TLS from a local CA, StandardAuthorizer, {len(principals)} member "
        f"principals and the ACLs of member registry {members.version}.\n"
        f"clients: IPRX_KAFKA_SECURITY_PROTOCOL=SASL_SSL IPRX_KAFKA_SASL_MECHANISM={MECHANISM} "
        f"IPRX_KAFKA_SSL_CAFILE={security.ca} IPRX_KAFKA_SASL_USERNAME=<user> IPRX_KAFKA_SASL_PASSWORD=<its password "
        f"in {security.directory / 'users.toml'}> (the super user is {ADMIN!r})"
    )
    return 1 if failed else 0
