"""`iprx produce procurement`: OCDS containers, line numbers, broken JSON, mapping, notes and rejects."""

import copy
import json
import resource
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from iprx.kernel.identifiers import uscc_check_char
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.adapters.values import derived_event_id
from iprx.schemas import SingleObjectCodec

PUBLISHER = "CN/PROV/440000/procurement"
DATA = Path(__file__).parents[1] / "data" / "ocds"
BUYER_USCC = "11440300MB2C3D4E5" + uscc_check_char("11440300MB2C3D4E5")
SUPPLIER_USCC = "91440300MA5F6G7H8" + uscc_check_char("91440300MA5F6G7H8")


def read(path, publisher=PUBLISHER):
    return list(OcdsProcurement(publisher).read(path))


def a_release(n=0, **changes):
    """A small valid award release buying one software item."""
    release = {
        "ocid": f"ocds-test01-{n:04d}",
        "id": f"ocds-test01-{n:04d}-award",
        "date": "2026-03-02T10:00:00+08:00",
        "tag": ["award"],
        "parties": [
            {
                "id": "buyer-1",
                "name": "Example Bureau",
                "identifier": {"scheme": "CN-USCC", "id": BUYER_USCC},
                "roles": ["buyer"],
            },
            {"id": "supplier-1", "name": "Example Vendor", "identifier": {"scheme": "CN-USCC", "id": SUPPLIER_USCC}},
        ],
        "buyer": {"id": "buyer-1", "name": "Example Bureau"},
        "awards": [
            {
                "id": f"award-{n}",
                "status": "active",
                "date": "2026-03-01T12:00:00Z",
                "value": {"amount": 1000.5, "currency": "CNY"},
                "suppliers": [{"id": "supplier-1", "name": "Example Vendor"}],
                "items": [
                    {
                        "id": "1",
                        "description": "office software",
                        "classification": {"scheme": "CPV", "id": "48310000-4"},
                        "quantity": 20 + n,
                        "unit": {"name": "licence", "value": {"amount": "50.25", "currency": "CNY"}},
                    }
                ],
            }
        ],
    }
    release.update(changes)
    return release


def package_file(tmp_path, releases, name="package.json"):
    """A release package written by hand, so that the line each release starts on is known."""
    lines = ["{", '  "uri": "https://example.org/package.json",', '  "version": "1.1",', '  "releases": [']
    starts, texts = [], []
    for n, release in enumerate(releases):
        text = json.dumps(release, indent=2)
        starts.append(len(lines) + 1)
        texts.append(text)
        lines += (text + ("," if n < len(releases) - 1 else "")).split("\n")
    lines += ["  ]", "}"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, starts, texts


def jsonl_file(tmp_path, lines, name="releases.jsonl"):
    path = tmp_path / name
    path.write_text("".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in lines), encoding="utf-8")
    return path


# --- containers ----------------------------------------------------------------------------------


def test_a_release_package_gives_one_unit_per_release_at_its_line_with_its_text(tmp_path):
    releases = [a_release(n) for n in range(4)]
    path, starts, texts = package_file(tmp_path, releases)
    units = read(path)
    assert [u.line for u in units] == starts
    assert [u.text for u in units] == texts
    assert [u.errors for u in units] == [[]] * 4
    assert [u.records[0]["ocid"] for u in units] == [r["ocid"] for r in releases]


def test_the_standard_example_release_package(tmp_path):
    path = DATA / "standard-example-release-package.json"
    source = json.loads(path.read_text(encoding="utf-8"))["releases"]
    lines = path.read_text(encoding="utf-8").split("\n")
    units = read(path)
    assert [json.loads(u.text)["id"] for u in units] == [r["id"] for r in source]
    # each unit starts on the line of its release's opening brace, and that line is the text's first
    assert all(lines[u.line - 1].strip() == "{" == u.text[0] for u in units)
    assert [u.line for u in units] == sorted({u.line for u in units})
    assert all(u.errors == [] for u in units)
    published = [(r["header"]["event_type"], r["release_id"]) for u in units for r in u.records]
    assert published == [
        ("procurement.award", source[3]["id"]),
        ("procurement.contract", source[4]["id"]),
    ]
    for unit, release in zip(units, source, strict=True):
        if release["tag"] in (["planning"], ["tender"], ["tenderAmendment"], ["implementation"]):
            assert unit.records == []
            tag = release["tag"][0]
            assert unit.notes == [f"release {release['id']}: tag {tag}: reports no award or contract; not published"]


def test_a_record_package_uses_the_compiled_release():
    path = DATA / "standard-example-record-package.json"
    record = json.loads(path.read_text(encoding="utf-8"))["records"][0]
    [unit] = read(path)
    assert json.loads(unit.text) == json.loads(json.dumps(record["compiledRelease"]))
    assert '"compiledRelease"' in path.read_text(encoding="utf-8").split("\n")[unit.line - 1]
    [contract] = unit.records
    compiled_contract = record["compiledRelease"]["contracts"][0]
    assert contract["header"]["event_type"] == "procurement.contract"
    assert contract["release_id"] == record["compiledRelease"]["id"]
    assert contract["tags"] == ["OTHER"]  # "compiled"
    assert contract["contract_id"] == compiled_contract["id"]
    assert contract["award_id"] == compiled_contract["awardID"]


def test_a_record_without_compiled_release_gives_its_embedded_releases_and_notes_linked_ones(tmp_path):
    # The standard example's record links all its releases; embed two of them from the release package.
    record = json.loads((DATA / "standard-example-record-package.json").read_text(encoding="utf-8"))["records"][0]
    del record["compiledRelease"]
    embedded = json.loads((DATA / "standard-example-release-package.json").read_text(encoding="utf-8"))["releases"]
    record["releases"] = [record["releases"][0] | {"url": "https://example.org/releases/1.json"}, *embedded[3:5]]
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"uri": "x", "records": [record]}, indent=2), encoding="utf-8")
    units = read(path)
    assert len(units) == 3
    assert units[0].records == [] and units[0].errors == []
    assert units[0].notes == [
        "records[0].releases[0]: a linked release (https://example.org/releases/1.json), not embedded; "
        "not fetched, not published"
    ]
    assert [r["header"]["event_type"] for u in units[1:] for r in u.records] == [
        "procurement.award",
        "procurement.contract",
    ]
    assert units[0].line < units[1].line < units[2].line


def test_a_single_real_record_tender_only_is_reported_not_published():
    [unit] = read(DATA / "moldova-record-19750186.json")
    assert unit.records == [] and unit.errors == []
    # the four computer items are tendered, not bought yet
    assert unit.notes == [
        "release 19750186: tag compiled: no award or contract in the release; not published "
        "(its tender lists 4 software or computer item(s), published once awarded)"
    ]


def test_a_single_real_record_with_its_compiled_release_after_its_releases():
    path = DATA / "colombia-record-5279502.json"
    compiled = json.loads(path.read_text(encoding="utf-8"))["compiledRelease"]
    [unit] = read(path)  # the compiled release, not the embedded release listed before it
    assert json.loads(unit.text)["tag"] == ["compiled"]
    assert unit.errors == []
    assert [(r["contract_id"], r["award_id"]) for r in unit.records] == [
        (c["id"], c["awardID"]) for c in compiled["contracts"]
    ]
    assert all(r["items"] == [] for r in unit.records)
    assert f"release {compiled['id']}: item 731521: UNSPSC classification has no code; left out" in unit.notes


def test_json_lines_give_one_unit_per_line():
    units = read(DATA / "software-and-computers.jsonl")
    assert [u.line for u in units] == [1, 2, 4, 5]
    assert [len(u.records) for u in units] == [1, 1, 0, 1]
    assert all(u.errors == [] for u in units)
    assert [u.text.rstrip("\n") for u in units] == [
        line for line in (DATA / "software-and-computers.jsonl").read_text(encoding="utf-8").split("\n") if line
    ]


# --- broken files --------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "  \n\n", "\ufeff"])
def test_an_empty_file_is_one_error(tmp_path, content):
    path = tmp_path / "empty.json"
    path.write_text(content, encoding="utf-8")
    [unit] = read(path)
    assert unit.records == []
    assert [(e.field, e.reason.split(":")[0]) for e in unit.errors] == [("file", "empty file")]


def test_a_truncated_package_rejects_the_cut_release_at_its_line_and_keeps_the_ones_before(tmp_path):
    path, starts, texts = package_file(tmp_path, [a_release(n) for n in range(4)])
    content = path.read_text(encoding="utf-8")
    cut = content.index(texts[2]) + len(texts[2]) // 2
    path.write_text(content[:cut], encoding="utf-8")
    units = read(path)
    assert len(units) == 3
    assert [len(u.records) for u in units[:2]] == [1, 1]
    broken = units[2]
    assert broken.line == starts[2]
    assert broken.records == []
    assert [e.field for e in broken.errors] == ["releases[2]"]
    assert "the file ends inside" in broken.errors[0].reason
    assert broken.text == content[content.index(texts[2]) : cut]


def test_a_package_cut_between_releases_is_a_file_error_at_the_end(tmp_path):
    path, _, texts = package_file(tmp_path, [a_release(n) for n in range(2)])
    content = path.read_text(encoding="utf-8")
    cut = content.index(texts[0]) + len(texts[0]) + 1  # just after the comma
    path.write_text(content[:cut], encoding="utf-8")
    units = read(path)
    assert len(units) == 2 and len(units[0].records) == 1
    assert units[1].errors[0].field in ("file", "releases[1]")
    assert "truncated" in units[1].errors[0].reason or "ends" in units[1].errors[0].reason


def test_a_truncated_last_json_line_is_rejected_at_its_line(tmp_path):
    good = [json.dumps(a_release(n)) for n in range(3)]
    path = jsonl_file(tmp_path, [*good, good[0][: len(good[0]) // 2]])
    units = read(path)
    assert [u.line for u in units] == [1, 2, 3, 4]
    assert [len(u.records) for u in units] == [1, 1, 1, 0]
    [error] = units[3].errors
    assert error.field == "release" and error.reason.startswith("invalid JSON at line 4")


def test_invalid_json_inside_a_release_rejects_that_release_only(tmp_path):
    path, starts, texts = package_file(tmp_path, [a_release(n) for n in range(3)])
    content = path.read_text(encoding="utf-8")
    broken = texts[1].replace('"status": "active"', '"status": activ')
    path.write_text(content.replace(texts[1], broken), encoding="utf-8")
    units = read(path)
    assert [len(u.records) for u in units] == [1, 0, 1]
    [error] = units[1].errors
    status_line = starts[1] + broken.split("\n").index(next(x for x in broken.split("\n") if "activ" in x))
    assert error.field == "releases[1]"
    assert error.reason.startswith(f"invalid JSON at line {status_line},")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "expected an OCDS release package, record package or JSON Lines of releases (a JSON object)"),
        ('{"releases": []} trailing', "unexpected text after the end of the package"),
    ],
)
def test_what_is_not_an_ocds_container_is_a_file_error(tmp_path, content, reason):
    path = tmp_path / "odd.json"
    path.write_text(content, encoding="utf-8")
    units = read(path)
    assert units[-1].errors[0].field == "file"
    assert units[-1].errors[0].reason.startswith(reason)


# --- mapping -------------------------------------------------------------------------------------


def test_a_release_maps_to_a_procurement_record(tmp_path):
    release = a_release(7)
    [unit] = read(jsonl_file(tmp_path, [release]))
    [record] = unit.records
    award = release["awards"][0]
    item = award["items"][0]
    assert record["header"] == {
        "event_id": derived_event_id(PUBLISHER, "procurement", f"{release['ocid']}|{release['id']}|award|award-7"),
        "event_type": "procurement.award",
        "occurred_at": datetime(2026, 3, 1, 12, tzinfo=UTC),
        "published_at": None,
        "publisher": PUBLISHER,
        "jurisdiction": "440000",
        "causation_id": None,
        "correlation_id": release["ocid"],
    }
    assert record["ocid"] == release["ocid"] and record["release_id"] == release["id"]
    assert record["tags"] == ["AWARD"]
    assert record["released_at"] == datetime(2026, 3, 2, 2, tzinfo=UTC)
    assert record["buyer"] == {"id": BUYER_USCC, "name": "Example Bureau", "level": "UNKNOWN", "jurisdiction": "440000"}
    supplier = {"id": SUPPLIER_USCC, "name": "Example Vendor", "country": "CN", "natural_person": False}
    assert record["supplier"] == supplier
    assert (record["award_id"], record["contract_id"], record["date_signed"]) == ("award-7", None, None)
    assert record["total_value"] == {"amount": Decimal("1000.50"), "currency": "CNY"}
    assert record["items"] == [
        {
            "item_id": "1",
            "description": item["description"],
            "classification": {"scheme": "CPV", "code": "48310000", "description": None},
            "additional_classifications": [],
            "quantity": 27,
            "unit": "licence",
            "unit_price": {"amount": Decimal("50.25"), "currency": "CNY"},
            "software": None,
            "hardware": None,
        }
    ]
    assert unit.notes == []


def test_event_ids_are_deterministic_and_distinct(tmp_path):
    path = jsonl_file(tmp_path, [a_release(n) for n in range(5)])
    first = [r["header"]["event_id"] for u in read(path) for r in u.records]
    assert first == [r["header"]["event_id"] for u in read(path) for r in u.records]
    assert len(set(first)) == 5
    other = [r["header"]["event_id"] for u in read(path, "CN/PROV/110000/procurement") for r in u.records]
    assert not set(first) & set(other)


def _mutate(release, path, value):
    """Set (or with value None delete) the field at a dotted path like awards.0.value.amount."""
    *parents, last = path.split(".")
    target = release
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key = int(last) if last.isdigit() else last
    if value is None:
        del target[key]
    else:
        target[key] = value


FUTURE = (datetime.now(UTC) + timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("ocid", None, "releases[1].ocid", "is required"),
        ("id", None, "releases[1].id", "is required"),
        ("date", None, "releases[1].date", "is required"),
        ("date", "2026-03-02T10:00:00", "releases[1].date", "has no time zone"),
        ("date", "yesterday", "releases[1].date", "is not an ISO 8601 date-time"),
        ("date", FUTURE, "releases[1].date", "is in the future"),
        ("awards.0.value.amount", "12,5x", "releases[1].awards[0].value.amount", "is not a number"),
        ("awards.0.value.amount", -1, "releases[1].awards[0].value.amount", "must be a non-negative amount"),
        ("awards.0.value.amount", 1.234, "releases[1].awards[0].value.amount", "more than two decimal places"),
        ("awards.0.value.amount", True, "releases[1].awards[0].value.amount", "is not an amount"),
        ("awards.0.value.currency", "yuan", "releases[1].awards[0].value.currency", "is not an ISO 4217"),
        ("awards.0.items.0.quantity", -3, "releases[1].awards[0].items[0].quantity", "must be >= 0"),
        ("awards.0.items.0.quantity", 2.5, "releases[1].awards[0].items[0].quantity", "is not a whole number"),
        ("awards.0.items.0.quantity", None, "releases[1].awards[0].items[0].quantity", "is required"),
        ("awards.0.items.0.unit.value.amount", "x", "releases[1].awards[0].items[0].unit.value.amount", "not a number"),
        ("awards.0.items.0.id", None, "releases[1].awards[0].items[0].id", "is required"),
        ("awards.0.date", "2026-13-01T00:00:00Z", "releases[1].awards[0].date", "is not an ISO 8601"),
        ("parties.0.identifier.id", BUYER_USCC[:-1] + "0", "releases[1].parties[0].identifier.id", "not a valid"),
        ("parties.1.identifier.id", "91440300", "releases[1].parties[1].identifier.id", "not a valid unified"),
        ("awards", "none", "releases[1].awards", "expected a list"),
    ],
)
def test_missing_or_malformed_data_rejects_the_release_with_its_path(tmp_path, path, value, field, reason):
    releases = [a_release(n) for n in range(3)]
    _mutate(releases[1], path, value)
    package, starts, _ = package_file(tmp_path, releases)
    units = read(package)
    assert [len(u.records) for u in units] == [1, 0, 1]
    bad = units[1]
    assert bad.line == starts[1]
    assert [e.field for e in bad.errors] == [field]
    assert reason in bad.errors[0].reason


def test_no_buyer_rejects(tmp_path):
    release = a_release()
    del release["buyer"]
    release["parties"][0]["roles"] = ["procuringEntity"]
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert [(e.field, e.reason) for e in unit.errors] == [
        ("buyer", "no buyer: neither a buyer reference nor a party with role buyer")
    ]


def test_the_buyer_may_be_named_by_its_party_role_and_other_schemes_pass_through(tmp_path):
    release = a_release()
    del release["buyer"]
    release["parties"][0]["identifier"] = {"scheme": "GB-LAC", "id": "E09000003"}
    release["parties"][0]["id"] = "GB-LAC-E09000003"
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.records[0]["buyer"]["id"] == "GB-LAC-E09000003"


def test_a_uscc_among_additional_identifiers_is_the_buyer_id(tmp_path):
    release = a_release()
    release["parties"][0]["identifier"] = {"scheme": "X-PORTAL", "id": "77"}
    release["parties"][0]["additionalIdentifiers"] = [{"scheme": "cn-uscc", "id": BUYER_USCC.lower()}]
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.records[0]["buyer"]["id"] == BUYER_USCC


def test_an_item_it_cannot_classify_is_a_note_not_a_guess(tmp_path):
    release = a_release()
    items = release["awards"][0]["items"]
    items.append({"id": "2", "description": "a laptop bag", "classification": {"scheme": "CPV", "id": "45000000"}})
    items.append({"id": "3", "description": "computers?", "classification": {"scheme": "GB/T-7635", "id": "302"}})
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert [i["item_id"] for i in unit.records[0]["items"]] == ["1"]
    assert unit.notes == [
        f"release {release['id']}: item 2: CPV 45000000 is neither software nor computer; left out",
        f"release {release['id']}: item 3: scheme 'GB/T-7635' is neither CPV nor UNSPSC; left out",
    ]
    assert unit.errors == []


def test_a_release_without_software_or_computers_is_published_empty_with_a_note(tmp_path):
    release = a_release()
    release["awards"][0]["items"][0]["classification"] = {"scheme": "CPV", "id": "45233130"}
    [unit] = read(jsonl_file(tmp_path, [release]))
    [record] = unit.records
    assert record["items"] == []
    note = f"release {release['id']}: award award-0: no software or computer item; published without items"
    assert unit.notes[-1] == note


def test_cancelled_awards_and_repeated_ones_are_notes(tmp_path):
    release = a_release()
    cancelled = copy.deepcopy(release["awards"][0]) | {"id": "award-x", "status": "cancelled"}
    release["awards"] += [cancelled, copy.deepcopy(release["awards"][0])]
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert [r["award_id"] for r in unit.records] == ["award-0"]
    assert unit.notes == [
        f"release {release['id']}: award award-x: status cancelled; not published",
        f"release {release['id']}: award award-0 is listed more than once; the first is published",
    ]


def test_a_contract_without_items_takes_its_awards_and_supplier(tmp_path):
    release = a_release(tag=["contract"])
    signed, value = "2026-03-05T00:00:00Z", {"amount": 9, "currency": "CNY"}
    release["contracts"] = [{"id": "c-1", "awardID": "award-0", "dateSigned": signed, "value": value}]
    [unit] = read(jsonl_file(tmp_path, [release]))
    [record] = unit.records
    assert record["header"]["event_type"] == "procurement.contract"
    assert record["header"]["occurred_at"] == record["date_signed"] == datetime(2026, 3, 5, tzinfo=UTC)
    assert (record["contract_id"], record["award_id"]) == ("c-1", "award-0")
    assert record["supplier"]["id"] == SUPPLIER_USCC
    assert [i["item_id"] for i in record["items"]] == ["1"]
    assert record["total_value"] == {"amount": Decimal("9.00"), "currency": "CNY"}


@pytest.mark.parametrize(
    ("computer", "hardware"),
    [
        (None, None),
        ({"category": "laptop"}, None),  # the data does not say whether an OS is preloaded: unknown
        ({"osPreloaded": False}, {"category": "OTHER", "os_preloaded": False, "preloaded_os": None}),
        (
            {"category": "DESKTOP", "osPreloaded": True, "preloadedOs": "Kylin V10"},
            {"category": "DESKTOP", "os_preloaded": True, "preloaded_os": "Kylin V10"},
        ),
    ],
)
def test_os_preloaded_comes_only_from_the_data(tmp_path, computer, hardware):
    release = a_release()
    item = release["awards"][0]["items"][0]
    item["classification"] = {"scheme": "UNSPSC", "id": "43211507"}
    if computer is not None:
        item["computer"] = computer
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.records[0]["items"][0]["hardware"] == hardware
    assert unit.records[0]["items"][0]["software"] is None


def test_software_licence_details_and_their_errors(tmp_path):
    good, bad = a_release(0), a_release(1)
    good["awards"][0]["items"][0]["softwareLicence"] = {
        "vendor": "Kingsoft",
        "product": "WPS Office",
        "metric": "user",
        "termEnd": "2099-12-31T23:59:59Z",  # a licence may end in the future
    }
    bad["awards"][0]["items"][0]["softwareLicence"] = {"product": "WPS Office", "metric": "seat"}
    units = read(jsonl_file(tmp_path, [good, bad]))
    assert units[0].records[0]["items"][0]["software"] == {
        "vendor": "Kingsoft",
        "product": "WPS Office",
        "edition": None,
        "metric": "USER",
        "term_start": None,
        "term_end": datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC),
        "operating_system": False,
    }
    assert [e.field for e in units[1].errors] == [
        "awards[0].items[0].softwareLicence.vendor",
        "awards[0].items[0].softwareLicence.metric",
    ]


def test_releases_that_report_no_purchase_are_notes(tmp_path):
    release = a_release(tag=["tender"])
    release["tender"] = {"items": release["awards"][0]["items"]}
    del release["buyer"]  # not even looked at: nothing is published
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.records == [] and unit.errors == []
    assert unit.notes == [
        f"release {release['id']}: tag tender: reports no award or contract; not published "
        "(its tender lists 1 software or computer item(s), published once awarded)"
    ]


def test_a_publisher_id_without_a_jurisdiction_rejects(tmp_path):
    [unit] = read(jsonl_file(tmp_path, [a_release()]), publisher="CN/GOV/some-agency/procurement")
    assert [e.field for e in unit.errors] == ["header.jurisdiction"]


def test_unknown_fields_extensions_and_amendments_do_not_break_it(tmp_path):
    release = a_release(tag=["award", "awardUpdate", "x-custom"])
    release["extensions"] = ["https://example.org/extension.json"]
    release["x_whatever"] = {"nested": [1, 2, {"deep": None}]}
    release["awards"][0]["amendments"] = [{"id": "1", "rationale": "price", "changes": [{"property": "value"}]}]
    release["awards"][0]["items"][0]["x_local"] = "ignored"
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.errors == []
    assert unit.records[0]["tags"] == ["AWARD", "OTHER"]


def test_every_record_of_the_test_data_encodes_in_the_avro_schema():
    codec = SingleObjectCodec()
    count = 0
    for path in sorted(DATA.glob("*.json*")):
        for unit in read(path):
            assert unit.errors == [], (path.name, unit.line, unit.errors)
            for record in unit.records:
                record["header"]["published_at"] = datetime.now(UTC)
                _, decoded = codec.decode(codec.encode("iprx.procurement.ProcurementRelease", record))
                assert decoded["items"] == record["items"]
                count += 1
    assert count == 2 + 1 + 2 + 3  # standard package, record package, Colombia, hand-written lines


def _big_package(path, releases):
    template = json.dumps(a_release(1), indent=1)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"uri": "x", "releases": [\n')
        for n in range(releases):
            f.write(template.replace("ocds-test01-0001", f"ocds-big-{n:06d}") + (",\n" if n < releases - 1 else "\n"))
        f.write("]}\n")
    return path


def test_a_large_package_streams_in_bounded_memory(tmp_path):
    # A small file first pays the reader's fixed buffers (read chunks), so that what is measured
    # on the large one is what grows with the file.
    for _ in OcdsProcurement(PUBLISHER).read(_big_package(tmp_path / "small.json", 2_000)):
        pass
    path = _big_package(tmp_path / "big.json", 20_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = quantity = 0
    for unit in OcdsProcurement(PUBLISHER).read(path):
        count += 1
        quantity += unit.records[0]["items"][0]["quantity"]
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == 20_000 and quantity == 21 * 20_000
    size_kib = path.stat().st_size // 1024
    assert grown_kib < size_kib / 10, f"peak RSS grew {grown_kib} KiB reading a {size_kib} KiB file"


def test_the_format_is_documented():
    doc = (Path(__file__).parents[2] / "docs" / "input-formats.md").read_text(encoding="utf-8")
    section = doc[doc.index("## `procurement`") :]
    for term in ("release package", "record package", "JSON Lines", "compiledRelease", "CN-USCC", "softwareLicence"):
        assert term in section, term


def test_the_documented_example_gives_what_the_documentation_says(tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "input-formats.md").read_text(encoding="utf-8")
    section = doc[doc.index("## `procurement`") :]
    example = section[section.index("```json\n") + 8 : section.index("\n```", section.index("```json\n"))]
    [unit] = read(jsonl_file(tmp_path, [example]))
    assert unit.errors == [] and unit.notes == []
    [record] = unit.records
    assert record["header"]["event_type"] == "procurement.contract"
    assert record["buyer"]["id"] == "11440300MB2C3D4E51"
    [item] = record["items"]
    assert (item["quantity"], item["hardware"]["category"], item["hardware"]["os_preloaded"]) == (150, "LAPTOP", True)
