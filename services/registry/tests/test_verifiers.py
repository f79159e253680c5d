import datetime as dt

from porttrust_dev import testdata
from registry.clients import LocalVerifier


async def test_local_verifier_accepts_a_valid_id_number():
    result = await LocalVerifier().verify(name="张三", id_number="34052419800101001X")
    assert result.verified


async def test_local_verifier_refuses_a_future_birth_date():
    year = dt.date.today().year + 1
    id_number = testdata.id_number(1, born=f"{year}0101")
    result = await LocalVerifier().verify(name="张三", id_number=id_number)
    assert not result.verified


async def test_local_verifier_refuses_a_wrong_check_character():
    result = await LocalVerifier().verify(name="张三", id_number="340524198001010011")
    assert not result.verified


async def test_local_verifier_with_match_list_accepts_the_listed_name(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,id_number\n张三,34052419800101001x\n", encoding="utf-8")
    result = await LocalVerifier.from_file(path).verify(name="张三",
                                                        id_number="34052419800101001X")
    assert result.verified
