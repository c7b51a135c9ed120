"""Reference data and the organisations of a simulation: regions, agencies, products, offices, partners.

Division codes are real GB/T 2260 codes (province, prefecture-level city, district); agencies get
GB 32100 credit codes of government organs (prefix 11), companies those of enterprises (prefix 91).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from iprx.simulation.ids import ENTERPRISE, GOVERNMENT_ORGAN, Ids
from iprx.simulation.synthetic import CUSTOMS_OFFICES, DESTINATIONS, GOODS

__all__ = ["CUSTOMS_OFFICES", "DESTINATIONS", "GOODS"]


@dataclass(frozen=True)
class Region:
    """A province with one of its cities and one district of that city."""

    province: str  # GB/T 2260 code, e.g. 440000
    name: str
    city: str
    city_name: str
    district: str
    district_name: str
    municipality: bool = False  # Beijing, Shanghai, Tianjin, Chongqing: the province is the city


REGIONS = (
    Region("110000", "Beijing", "110000", "Beijing", "110108", "Haidian", municipality=True),
    Region("310000", "Shanghai", "310000", "Shanghai", "310115", "Pudong New Area", municipality=True),
    Region("120000", "Tianjin", "120000", "Tianjin", "120101", "Heping", municipality=True),
    Region("500000", "Chongqing", "500000", "Chongqing", "500103", "Yuzhong", municipality=True),
    Region("440000", "Guangdong", "440300", "Shenzhen", "440305", "Nanshan"),
    Region("440000", "Guangdong", "440100", "Guangzhou", "440106", "Tianhe"),
    Region("320000", "Jiangsu", "320100", "Nanjing", "320102", "Xuanwu"),
    Region("330000", "Zhejiang", "330100", "Hangzhou", "330106", "Xihu"),
    Region("330000", "Zhejiang", "330200", "Ningbo", "330212", "Yinzhou"),
    Region("370000", "Shandong", "370200", "Qingdao", "370202", "Shinan"),
    Region("350000", "Fujian", "350200", "Xiamen", "350203", "Siming"),
    Region("420000", "Hubei", "420100", "Wuhan", "420106", "Wuchang"),
    Region("510000", "Sichuan", "510100", "Chengdu", "510104", "Jinjiang"),
    Region("610000", "Shaanxi", "610100", "Xi'an", "610113", "Yanta"),
    Region("430000", "Hunan", "430100", "Changsha", "430102", "Furong"),
    Region("210000", "Liaoning", "210200", "Dalian", "210202", "Zhongshan"),
)
CENTRAL_BODIES = (
    "Ministry of Education",
    "Ministry of Finance",
    "Ministry of Commerce",
    "Ministry of Natural Resources",
    "National Bureau of Statistics",
    "State Taxation Administration",
    "National Health Commission",
    "Ministry of Water Resources",
)
PROVINCIAL_BODIES = ("Department of Finance", "Department of Education", "Market Regulation Administration")
MUNICIPAL_BODIES = ("Finance Bureau", "Education Bureau", "Housing and Urban-Rural Development Bureau")
COUNTY_BODIES = ("District Government Office", "District Education Bureau", "District Health Commission")
SOE_NAMES = ("Transportation Investment Group", "Energy Group", "Water Supply Group", "Port Group")


@dataclass(frozen=True)
class Organisation:
    """An agency or state-owned enterprise that buys and is inspected."""

    id: str
    name: str
    kind: str  # AGENCY | SOE
    level: str  # CENTRAL | PROVINCIAL | MUNICIPAL | COUNTY
    jurisdiction: str
    province: str

    @property
    def buyer(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "level": self.level, "jurisdiction": self.jurisdiction}

    @property
    def subject(self) -> dict[str, str]:
        return {
            "subject_type": self.kind,
            "id": self.id,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "level": self.level,
        }

    @property
    def publisher(self) -> str:
        """Who publishes its procurement: the central platform or the province's."""
        return "CN/GOV/MOF/procurement" if self.level == "CENTRAL" else f"CN/PROV/{self.province}/procurement"


def organisation(rng: random.Random, ids: Ids, level: str | None = None, kind: str = "AGENCY") -> Organisation:
    """An agency (or SOE) at ``level`` (random if None) in a random region."""
    level = level or rng.choices(("CENTRAL", "PROVINCIAL", "MUNICIPAL", "COUNTY"), weights=(1, 3, 4, 3))[0]
    region = rng.choice(REGIONS)
    if kind == "SOE":
        level = "CENTRAL" if level == "CENTRAL" else "PROVINCIAL"
        where = "China" if level == "CENTRAL" else region.name
        division = "110000" if level == "CENTRAL" else region.province
        name = f"{where} {rng.choice(SOE_NAMES)} Co., Ltd."
        return Organisation(ids.uscc(ENTERPRISE, division), name, kind, level, division, division[:2] + "0000")
    if level == "CENTRAL":
        division, name = "110000", rng.choice(CENTRAL_BODIES)
    elif level == "PROVINCIAL":
        style = "Municipal" if region.municipality else "Provincial"
        division, name = region.province, f"{region.name} {style} {rng.choice(PROVINCIAL_BODIES)}"
    elif level == "MUNICIPAL":
        division, name = region.city, f"{region.city_name} Municipal {rng.choice(MUNICIPAL_BODIES)}"
    else:
        division, name = region.district, f"{region.district_name} {rng.choice(COUNTY_BODIES)}"
    return Organisation(ids.uscc(GOVERNMENT_ORGAN, division), name, kind, level, division, region.province)


@dataclass(frozen=True)
class Product:
    """A software product as bought (procurement item) and as found installed (inspection finding)."""

    vendor: str
    product: str
    edition: str | None
    scheme: str  # CPV | UNSPSC
    code: str
    metric: str  # DEVICE | USER | CORE | SITE
    unit_price: str  # CNY
    operating_system: bool = False  # the publisher's flag
    term_years: int = 0  # 0: perpetual


OFFICE = (
    Product("Kingsoft", "WPS Office", "2023 Professional", "CPV", "48310000", "DEVICE", "598.00"),
    Product("Microsoft", "Office", "LTSC Professional Plus 2021", "CPV", "48300000", "DEVICE", "3299.00"),
    Product("Foxit", "PDF Editor", "12 Pro", "UNSPSC", "43232104", "DEVICE", "899.00"),
    Product("Autodesk", "AutoCAD", "2024", "CPV", "48321000", "USER", "14900.00", term_years=1),
    Product("Qi An Xin", "Tianqing Endpoint Security", None, "CPV", "48760000", "DEVICE", "120.00", term_years=1),
    Product("Dameng", "DM Database", "8 Enterprise", "CPV", "48611000", "CORE", "9800.00"),
    Product("Yonyou", "U8 Cloud ERP", None, "CPV", "48440000", "SITE", "380000.00"),
)
OPERATING_SYSTEMS = (
    Product("Kylinsoft", "Kylin OS", "Desktop V10", "CPV", "48620000", "DEVICE", "450.00"),
    Product("UnionTech", "UOS", "Desktop 20 Professional", "UNSPSC", "43233004", "DEVICE", "420.00"),
    # classified as generic software, flagged as an operating system by the publisher
    Product("Kylinsoft", "Kylin OS", "Desktop V10", "CPV", "48000000", "DEVICE", "450.00", operating_system=True),
)
# (category, scheme, code, description)
COMPUTERS = (
    ("DESKTOP", "CPV", "30213300", "desktop computers"),
    ("LAPTOP", "CPV", "30213100", "portable computers"),
    ("WORKSTATION", "CPV", "30214000", "workstations"),
    ("DESKTOP", "UNSPSC", "43211507", "desktop computers"),
    ("LAPTOP", "UNSPSC", "43211503", "notebook computers"),
)
PRELOADED_OS = ("Kylin OS Desktop V10", "UOS Desktop 20", "Windows 11 Pro")
# Items the rules do not read (neither software nor computers).
OTHER_ITEMS = (
    ("CPV", "30232110", "laser printers", "unit"),
    ("CPV", "72611000", "technical computer support services", "year"),
    ("CPV", "32420000", "network equipment", "unit"),
)

# Partner customs administration that sends notices (matches the default outbound recipients).
PARTNER = "US/GOV/CBP/ipr"
PARTNER_PORTS = ("LAX", "LGB", "NYC", "SEA", "MIA", "ORD")
# US tariff (HTS) lines for the domestic HS subheadings of iprx.simulation.synthetic.GOODS.
HTS = {
    "852349": "8523492000",
    "847130": "8471300100",
    "851762": "8517620090",
    "950450": "9504500000",
    "420221": "4202213000",
    "640299": "6402999000",
    "910211": "9102110000",
    "852351": "8523510000",
}
GATEWAY = "CN/GOV/GACC/cooperation"  # the receiving gateway publishes inbound notices
SEIZURE_PUBLISHER = "CN/GOV/GACC/seizures"
# Container owner codes and carriers: domestic seizures and partner notices use disjoint sets, and
# every number is unique, so noise can never match across the border by accident.
DOMESTIC_CONTAINER_OWNERS = ("MSC", "COS", "OOL", "CMA")
PARTNER_CONTAINER_OWNERS = ("HLX", "ZIM", "YML", "EGL")
DOMESTIC_CARRIERS = ("COSU", "OOLU", "MEDU")
PARTNER_CARRIERS = ("HLCU", "ZIMU", "YMLU")


def copyright_bureau(region: Region) -> dict[str, str | None]:
    return {"id": None, "name": f"{region.name} Copyright Bureau", "country": "CN", "natural_person": False}


def police(region: Region) -> dict[str, str | None]:
    return {"id": None, "name": f"{region.city_name} Public Security Bureau", "country": "CN", "natural_person": False}


def region_of(division: str) -> Region:
    """The region a division code belongs to (by province)."""
    return next(r for r in REGIONS if r.province == division[:2] + "0000")
