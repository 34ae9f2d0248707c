import pytest

from lms.hospitals.importing import decode_csv_bytes, parse_hospital_csv
from lms.hospitals.network import Tier

HEADER = "code,name_zh,name_en,tier,province,city\n"


def test_good_rows_are_parsed_with_province_and_tier_names_resolved():
    parsed = parse_hospital_csv(
        HEADER
        + "SC-1,三台县人民医院,Santai County People's Hospital,县级医院,四川,绵阳\n"
        + "GZ-1,湄潭县永兴镇卫生院,,township,52,遵义\n"
    )
    assert parsed.errors == ()
    first, second = parsed.rows
    assert (first.code, first.tier, first.province_code) == ("SC-1", Tier.COUNTY, "51")
    assert (second.tier, second.province_code, second.name_en) == (
        Tier.TOWNSHIP,
        "52",
        "",
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X-1,,,county,51,", "name_zh is empty"),
        (",某医院,,county,51,", "code is empty"),
        ("X-1,某医院,,hospital,51,", "tier 'hospital' is not one of"),
        ("X-1,某医院,,county,Atlantis,", "province 'Atlantis' is unknown"),
        ("X-1,某医院,,county,51,,extra", "more fields than the header has"),
        ("X" * 40 + ",某医院,,county,51,", "code is longer than 32"),
        ("X-1,某医院,,county,51," + "市" * 101, "city is longer than 100"),
    ],
)
def test_each_bad_row_is_named_with_its_line(row, message):
    parsed = parse_hospital_csv(HEADER + "OK-1,好医院,,county,51,\n" + row + "\n")
    assert len(parsed.rows) == 1
    assert len(parsed.errors) >= 1
    assert parsed.errors[0].line == 3
    assert message in str(parsed.errors[0])
    assert str(parsed.errors[0]).startswith("line 3: ")


def test_a_code_twice_in_one_file_is_an_error():
    parsed = parse_hospital_csv(HEADER + "A,甲医院,,county,51,\nA,乙医院,,county,51,\n")
    assert [str(e) for e in parsed.errors] == ["line 3: code A already on line 2"]


def test_missing_columns_stop_the_file():
    parsed = parse_hospital_csv("code,name\nA,甲\n")
    assert parsed.rows == ()
    assert "missing columns: name_zh, tier, province" in str(parsed.errors[0])


def test_blank_lines_and_a_bom_are_ignored():
    parsed = parse_hospital_csv("\ufeff" + HEADER + "A,甲医院,,county,51,\n,,,,,\n")
    assert len(parsed.rows) == 1 and parsed.errors == ()


def test_excel_gb18030_files_decode():
    text = HEADER + "A,甲医院,,县级,四川,成都\n"
    assert decode_csv_bytes(text.encode("gb18030")) == text
    assert decode_csv_bytes(b"\xef\xbb\xbf" + text.encode()) == text


def test_a_million_row_sheet_stops_at_the_first_row_past_the_cap():
    from lms.hospitals.importing import RowError
    from lms.limits import HOSPITAL_IMPORT_ROWS_MAX

    rows = "".join(f"H{i},医院{i},,county,51,\n" for i in range(1_000_000))
    parsed = parse_hospital_csv(HEADER + rows)
    assert len(parsed.rows) == HOSPITAL_IMPORT_ROWS_MAX
    assert parsed.errors == (
        RowError(
            HOSPITAL_IMPORT_ROWS_MAX + 2,
            f"more than {HOSPITAL_IMPORT_ROWS_MAX} rows",
            "too_many_rows",
            (HOSPITAL_IMPORT_ROWS_MAX,),
        ),
    )


def test_a_sheet_of_exactly_the_cap_is_read_whole():
    rows = "".join(f"H{i},医院{i},,county,51,\n" for i in range(12))
    parsed = parse_hospital_csv(HEADER + rows + "\n", max_rows=12)
    assert len(parsed.rows) == 12 and parsed.errors == ()
    parsed = parse_hospital_csv(HEADER + rows + "H12,医院,,county,51,\n", max_rows=12)
    assert [(e.line, e.code) for e in parsed.errors] == [(14, "too_many_rows")]
