import datetime as dt

from registry.clients import LocalVerifier


async def test_local_verifier_accepts_a_valid_id_number():
    result = await LocalVerifier().verify(name="张三", id_number="34052419800101001X")
    assert result.verified


async def test_local_verifier_refuses_a_future_birth_date():
    from porttrust_shared.validators import id_check_char

    year = dt.date.today().year + 1
    first17 = f"110105{year}0101001"
    result = await LocalVerifier().verify(name="张三", id_number=first17 + id_check_char(first17))
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
