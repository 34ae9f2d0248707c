"""The shape of the network as data: hospital tiers and provinces.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass


class Tier(enum.StrEnum):
    """Where a hospital sits in the network."""

    HUB = "hub"
    MUNICIPAL = "municipal"
    COUNTY = "county"
    TOWNSHIP = "township"


#: Chinese names of the tiers, accepted in imports and shown in the interface.
TIER_NAMES_ZH = {
    Tier.HUB: "中心医院",
    Tier.MUNICIPAL: "市级医院",
    Tier.COUNTY: "县级医院",
    Tier.TOWNSHIP: "乡镇卫生院",
}


@dataclass(frozen=True)
class Province:
    """A provincial-level division, keyed by its GB/T 2260 code."""

    code: str
    name_zh: str
    name_en: str
    #: In the western region the network serves (the others may still join).
    is_west: bool = False


PROVINCES = (
    Province("11", "北京市", "Beijing"),
    Province("12", "天津市", "Tianjin"),
    Province("13", "河北省", "Hebei"),
    Province("14", "山西省", "Shanxi"),
    Province("15", "内蒙古自治区", "Inner Mongolia", True),
    Province("21", "辽宁省", "Liaoning"),
    Province("22", "吉林省", "Jilin"),
    Province("23", "黑龙江省", "Heilongjiang"),
    Province("31", "上海市", "Shanghai"),
    Province("32", "江苏省", "Jiangsu"),
    Province("33", "浙江省", "Zhejiang"),
    Province("34", "安徽省", "Anhui"),
    Province("35", "福建省", "Fujian"),
    Province("36", "江西省", "Jiangxi"),
    Province("37", "山东省", "Shandong"),
    Province("41", "河南省", "Henan"),
    Province("42", "湖北省", "Hubei"),
    Province("43", "湖南省", "Hunan"),
    Province("44", "广东省", "Guangdong"),
    Province("45", "广西壮族自治区", "Guangxi", True),
    Province("46", "海南省", "Hainan"),
    Province("50", "重庆市", "Chongqing", True),
    Province("51", "四川省", "Sichuan", True),
    Province("52", "贵州省", "Guizhou", True),
    Province("53", "云南省", "Yunnan", True),
    Province("54", "西藏自治区", "Xizang (Tibet)", True),
    Province("61", "陕西省", "Shaanxi", True),
    Province("62", "甘肃省", "Gansu", True),
    Province("63", "青海省", "Qinghai", True),
    Province("64", "宁夏回族自治区", "Ningxia", True),
    Province("65", "新疆维吾尔自治区", "Xinjiang", True),
)

PROVINCES_BY_CODE = {p.code: p for p in PROVINCES}

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def _short_zh(name):
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def find_province(value):
    """The province named by a code, a Chinese or an English name, or None."""
    value = value.strip()
    if value in PROVINCES_BY_CODE:
        return PROVINCES_BY_CODE[value]
    folded = value.casefold()
    for province in PROVINCES:
        names = {
            province.name_zh,
            _short_zh(province.name_zh),
            province.name_en.casefold(),
            province.name_en.split(" (")[0].casefold(),
        }
        if value in names or folded in names:
            return province
    return None


def find_tier(value):
    """The tier named in English or Chinese, or None."""
    value = value.strip()
    try:
        return Tier(value.casefold())
    except ValueError:
        pass
    for tier, name in TIER_NAMES_ZH.items():
        if value in (name, name[:2]):
            return tier
    return None
