"""Publishing library and input adapters for ministry, customs and province systems."""

from iprx.producers.families import FAMILIES, Family
from iprx.producers.publisher import DeliveryReport, Publisher, PublishError

__all__ = ["FAMILIES", "DeliveryReport", "Family", "PublishError", "Publisher"]
