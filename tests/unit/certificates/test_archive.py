"""A bulk issue's ZIP names: by hospital and learner, safe for Windows unzip."""

import pytest

from certificates.archive import MAX_PART, archive_member_name, safe_part


@pytest.mark.parametrize(
    ("hospital", "name", "number", "serial", "expected"),
    [
        pytest.param(
            "测试县人民医院",
            "张晓燕",
            "L0000042",
            "ABCD-EFGH",
            "测试县人民医院/张晓燕-L0000042-ABCD-EFGH.pdf",
            id="chinese-names-kept",
        ),
        pytest.param(
            "",
            "张三",
            "L0000001",
            "S1",
            "no-hospital/张三-L0000001-S1.pdf",
            id="no-hospital-folder",
        ),
        pytest.param(
            "../../etc",
            "a/b\\c",
            "L1",
            "S",
            "_.._etc/a_b_c-L1-S.pdf",
            id="separators-never-make-folders",
        ),
        pytest.param(
            'A<b>:"|?*',
            "x",
            "L1",
            "S",
            "A_b______/x-L1-S.pdf",
            id="windows-forbidden-characters",
        ),
        pytest.param(
            "CON",
            "nul.txt",
            "L1",
            "S",
            "_CON/_nul.txt-L1-S.pdf",
            id="reserved-device-names",
        ),
        pytest.param(
            "医院. ",
            "王\u202eabc\u0000",
            "L1",
            "S",
            "医院/王abc-L1-S.pdf",
            id="trailing-dots-bidi-and-nul-dropped",
        ),
        pytest.param(
            "\u3000",
            "\t",
            "L1",
            "S",
            "no-hospital/learner-L1-S.pdf",
            id="blank-parts-fall-back",
        ),
    ],
)
def test_archive_member_name(hospital, name, number, serial, expected):
    assert archive_member_name(hospital, name, number, serial) == expected


def test_a_long_name_is_cut_to_a_part_windows_accepts():
    assert len(safe_part("医" * 500, "x")) == MAX_PART
