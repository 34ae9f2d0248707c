import pytest

from lms.hospitals.network import PROVINCES, Tier, find_province, find_tier


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("51", "51"),
        ("四川省", "51"),
        ("四川", "51"),
        ("Sichuan", "51"),
        ("sichuan", "51"),
        ("新疆", "65"),
        ("新疆维吾尔自治区", "65"),
        ("广西", "45"),
        ("Xizang", "54"),
        ("Xizang (Tibet)", "54"),
        ("重庆市", "50"),
        ("Inner Mongolia", "15"),
    ],
)
def test_a_province_is_found_by_code_or_either_name(text, code):
    assert find_province(text).code == code


@pytest.mark.parametrize("text", ["", "99", "Atlantis", "四"])
def test_unknown_provinces_are_not_guessed(text):
    assert find_province(text) is None


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("county", Tier.COUNTY),
        ("County", Tier.COUNTY),
        ("县级医院", Tier.COUNTY),
        ("县级", Tier.COUNTY),
        ("乡镇卫生院", Tier.TOWNSHIP),
        ("municipal", Tier.MUNICIPAL),
        ("hub", Tier.HUB),
    ],
)
def test_a_tier_is_found_in_english_or_chinese(text, tier):
    assert find_tier(text) == tier


def test_province_codes_are_unique_gb_t_2260_codes():
    codes = [p.code for p in PROVINCES]
    assert len(codes) == len(set(codes)) == 31
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert sum(p.is_west for p in PROVINCES) == 12
