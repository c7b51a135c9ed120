"""The deviations from OCDS that the procurement adapter reads anyway: each is counted, never silent.

A tolerance is applied where the intent of the data is unambiguous and the standard's own upgrade
path or a documented real-world habit says how to read it. Each one is reported per release (a note
that says what was read how) and counted per file in the ``iprx produce`` summary (releases read
with it). docs/input-formats.md lists them with the publishers they were seen in.
"""

from __future__ import annotations

ORG_ID_DERIVED = "organisation id derived from its identifier (OCDS 1.0 style)"
ORG_NAMELESS = "organisation without a name; name left empty"
SINGULAR = "an object where an array is expected, read as an array of one"
SCHEMA_KEY = "classification key 'schema' read as 'scheme'"
CATALOGUE_CODE = "UNSPSC-based catalogue code read by its UNSPSC prefix"
TAG_STRING = "tag as a string, read as a list of one tag"
FOREIGN_CURRENCY = "amounts in a currency other than CNY, kept as published (not converted)"

ALL = (ORG_ID_DERIVED, ORG_NAMELESS, SINGULAR, SCHEMA_KEY, CATALOGUE_CODE, TAG_STRING, FOREIGN_CURRENCY)

HOME_CURRENCY = "CNY"
