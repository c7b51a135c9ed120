"""The rules of DESIGN.md §4 as plain functions over plain dataclasses, independent of Faust.

Every rule module has ``RULE_ID``, ``RULE_VERSION`` and a ``Params.from_ruleset`` that validates its
section of the rule set. Stateless rules have ``evaluate(event, params)``:

* ``seizure_significant`` — Seizure; also ``outbound_notice`` (redacted, for partners)
* ``referral_threshold_met`` — CaseOpened

Stateful rules keep per-key state the caller stores (a frozen dataclass ``State``, JSON form via
``stream_processors.statecodec``) and have the same four functions:

* ``keys(event, params)`` — the state keys the event belongs to (none: ignore it)
* ``apply(state, event, params) -> (state, signals)`` — record an event
* ``due(state, clock, params) -> (state | None, signals)`` — close what the watermark
  ``clock - grace`` has passed (see ``stream_processors.eventtime``), prune; ``None``: delete the key

=============================== ======================================== =========================
rule                            events                                   state key
=============================== ======================================== =========================
licence_shortfall               ProcurementAward, Inspection             buyer id = subject id
hardware_os_not_preloaded       ProcurementAward                         buyer id
inspection_repeat_noncompliance Inspection                               subject id
referral_overdue                CaseOpened/Referred/ReferralDecided/     case id
                                Closed
seizure_repeat_offender         Seizure                                  exporter id
crossborder_joint_match         Seizure, PartnerNotice                   container:/bl:/exporter-hs:
=============================== ======================================== =========================

Only ``crossborder_joint_match`` signals from ``apply`` (a pair is complete as soon as both sides
are known); the others signal from ``due``, once event time has made the outcome certain.
"""
