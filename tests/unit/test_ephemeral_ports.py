"""`iprx kafka up` warns when the broker's ports lie in the machine's ephemeral port range."""

from __future__ import annotations

from iprx.kernel.config import load_settings
from iprx.pipeline.local_kafka import ephemeral_port_warning, ephemeral_range


def settings(port: int, controller: int):
    return load_settings(env={"IPRX_KAFKA_LOCAL_PORT": str(port), "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(controller)})


def test_ports_inside_the_range_are_named_with_a_suggestion_outside_it(tmp_path):
    path = tmp_path / "ip_local_port_range"
    path.write_text("32768\t60999\n")  # the format of /proc/sys/net/ipv4/ip_local_port_range
    assert ephemeral_range(path) == (32768, 60999)
    warning = ephemeral_port_warning(settings(39092, 19093), path)
    assert warning is not None
    assert "port(s) 39092 lie in this machine's ephemeral port range 32768-60999" in warning
    assert warning.endswith("e.g. IPRX_KAFKA_LOCAL_PORT=9092 IPRX_KAFKA_LOCAL_CONTROLLER_PORT=9093")
    assert ephemeral_port_warning(settings(19092, 19093), path) is None


def test_the_suggestion_avoids_a_range_that_covers_the_defaults(tmp_path):
    path = tmp_path / "ip_local_port_range"
    path.write_text("1024 65000\n")
    warning = ephemeral_port_warning(settings(9092, 9093), path)
    assert warning is not None and "port(s) 9092, 9093 lie" in warning
    assert warning.endswith("e.g. IPRX_KAFKA_LOCAL_PORT=1022 IPRX_KAFKA_LOCAL_CONTROLLER_PORT=1023")


def test_no_range_known_no_warning(tmp_path):
    assert ephemeral_range(tmp_path / "missing") is None
    assert ephemeral_port_warning(settings(40000, 40001), tmp_path / "missing") is None
