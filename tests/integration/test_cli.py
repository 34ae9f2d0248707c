import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier

HEADER = "code,name_zh,name_en,tier,province,city\n"


def hospital_codes(db):
    return set(db.session.scalars(sa.select(Hospital.code)))


def test_import_with_a_bad_row_imports_nothing_and_names_the_row(runner, db, tmp_path):
    before = hospital_codes(db)
    csv_file = tmp_path / "network.csv"
    csv_file.write_text(
        HEADER
        + "IMP-A,甲县人民医院,Jia County Hospital,county,四川,绵阳\n"
        + "IMP-B,乙镇卫生院,,village,四川,绵阳\n"
        + "IMP-C,丙市医院,,municipal,Narnia,\n"
    )
    result = runner.invoke(args=["hospitals", "import", str(csv_file)])
    assert result.exit_code != 0
    assert "line 3: tier 'village' is not one of" in result.output
    assert "line 4: province 'Narnia' is unknown" in result.output
    assert "nothing was imported" in result.output
    assert hospital_codes(db) == before


def test_import_creates_then_updates_by_code(runner, db, tmp_path):
    csv_file = tmp_path / "network.csv"
    csv_file.write_bytes(
        (HEADER + "IMP-D,丁县人民医院,,县级医院,贵州,遵义\n").encode("gb18030")
    )
    result = runner.invoke(args=["hospitals", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated" in result.output
    csv_file.write_text(HEADER + "IMP-D,丁县第一人民医院,,county,52,遵义\n")
    result = runner.invoke(args=["hospitals", "import", str(csv_file)])
    assert "0 created, 1 updated" in result.output
    hospital = db.session.scalar(sa.select(Hospital).filter_by(code="IMP-D"))
    assert (hospital.name_zh, hospital.tier, hospital.province_code) == (
        "丁县第一人民医院",
        Tier.COUNTY,
        "52",
    )


def test_create_admin(runner, db):
    result = runner.invoke(
        args=[
            "create-admin",
            "--login",
            "Office@Example.com",
            "--name",
            "办公室",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).filter_by(login="office@example.com"))
    assert user.role == Role.ADMINISTRATOR


def test_create_admin_refuses_a_bad_login(runner, db):
    result = runner.invoke(
        args=[
            "create-admin",
            "--login",
            "office",
            "--name",
            "x",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code != 0
    assert "email address or a mobile number" in result.output


def test_seed_demo_refuses_a_database_with_data(runner, db, create_hospital):
    create_hospital()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "already has data" in result.output
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not added" in result.output
