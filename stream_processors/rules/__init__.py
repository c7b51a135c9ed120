"""The rules of DESIGN.md §4 as plain functions over plain dataclasses, independent of Faust.

A module here is a rule when it defines ``RULE`` (a ``RuleIdentity``: rule id = its rule-set
section, version, category); ``stream_processors.rulebook`` finds every such module, so adding a
rule is adding a module and its ``[rules."<rule id>"]`` section. Every rule module also has
``EVENT_TYPES`` (the events it reads) and ``Params`` (a subclass of ``params.RuleParams``, or of
``params.StatefulParams`` for a stateful rule) whose ``from_ruleset`` validates its section with a
``params.ParamReader``; its signals are built by ``RULE.signal(params, ...)``. Helpers without
``RULE``: ``identity``, ``params``, ``occurrences``.

Stateless rules have ``evaluate(event, params) -> list[Signal]`` and, optionally,
``outbound(event, signal, params)``: the partner notice to send for a signal (``None``: none).

* ``seizure_significant`` — Seizure; its ``outbound`` is a redacted notice for partners
* ``referral_threshold_met`` — CaseOpened

Stateful rules keep per-key state the caller stores (a frozen dataclass ``State``, JSON form via
``stream_processors.statecodec``) and have the same three functions:

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
