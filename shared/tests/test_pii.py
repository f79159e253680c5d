"""PII at rest: AES-GCM with key ids, a keyed blind index, masks."""

import base64
import hmac
import random

import pytest

from porttrust_shared.pii import PiiCipher, PiiError, mask_id_number, mask_name, mask_phone

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()
INDEX = base64.b64encode(b"i" * 32).decode()
ID = "11010519491231002X"


def test_round_trip():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    assert cipher.decrypt(cipher.encrypt(ID, field="id_number"), field="id_number") == ID


def test_ciphertext_names_its_key_and_hides_the_value():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    sealed = cipher.encrypt(ID, field="id_number")
    assert sealed.startswith("v1.a.")
    assert ID not in sealed
    assert cipher.key_id_of(sealed) == "a"


def test_same_value_encrypts_differently_each_time():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    assert cipher.encrypt(ID, field="id_number") != cipher.encrypt(ID, field="id_number")


def test_after_rotation_new_values_use_the_new_key_and_old_ones_still_open():
    old = PiiCipher(f"a:{KEY_A}", INDEX)
    sealed_before = old.encrypt(ID, field="id_number")
    rotated = PiiCipher(f"b:{KEY_B},a:{KEY_A}", INDEX)
    assert rotated.key_id_of(rotated.encrypt(ID, field="id_number")) == "b"
    assert rotated.decrypt(sealed_before, field="id_number") == ID


def test_a_retired_key_no_longer_opens_its_values():
    sealed = PiiCipher(f"a:{KEY_A}", INDEX).encrypt(ID, field="id_number")
    with pytest.raises(PiiError):
        PiiCipher(f"b:{KEY_B}", INDEX).decrypt(sealed, field="id_number")


def test_tampering_is_detected():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    sealed = cipher.encrypt(ID, field="id_number")
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(PiiError):
        cipher.decrypt(flipped, field="id_number")


def test_a_value_moved_to_another_field_does_not_open():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    sealed = cipher.encrypt("13812345678", field="phone")
    with pytest.raises(PiiError):
        cipher.decrypt(sealed, field="id_number")


def test_a_relabelled_key_id_does_not_open():
    cipher = PiiCipher(f"a:{KEY_A},b:{KEY_B}", INDEX)
    sealed = cipher.encrypt(ID, field="id_number").replace("v1.a.", "v1.b.")
    with pytest.raises(PiiError):
        cipher.decrypt(sealed, field="id_number")


@pytest.mark.parametrize("junk", ["", "plain", "v1.a", "v2.a.AAAA", "v1.zz.AAAA", "v1.a.!!!"])
def test_junk_raises_pii_error_only(junk):
    with pytest.raises(PiiError):
        PiiCipher(f"a:{KEY_A}", INDEX).decrypt(junk, field="id_number")


@pytest.mark.parametrize("ring", ["", "nokey", "a:" + base64.b64encode(b"short").decode(),
                                  "a.b:" + KEY_A])
def test_malformed_keyrings_are_refused(ring):
    with pytest.raises(ValueError):
        PiiCipher(ring, INDEX)


def test_a_short_blind_index_key_is_refused():
    with pytest.raises(ValueError):
        PiiCipher(f"a:{KEY_A}", "")


def test_blind_index_is_deterministic_across_key_rotation():
    one = PiiCipher(f"a:{KEY_A}", INDEX)
    two = PiiCipher(f"b:{KEY_B},a:{KEY_A}", INDEX)
    assert one.blind_index(ID, field="id_number") == two.blind_index(ID, field="id_number")


def test_blind_index_differs_per_field_and_value():
    cipher = PiiCipher(f"a:{KEY_A}", INDEX)
    assert cipher.blind_index(ID, field="id_number") != cipher.blind_index(ID, field="phone")
    assert (cipher.blind_index(ID, field="id_number")
            != cipher.blind_index("34052419800101001X", field="id_number"))


def test_blind_index_depends_on_the_key():
    other = base64.b64encode(b"j" * 32).decode()
    assert (PiiCipher(f"a:{KEY_A}", INDEX).blind_index(ID, field="id_number")
            != PiiCipher(f"a:{KEY_A}", other).blind_index(ID, field="id_number"))


def test_masks_follow_the_brief():
    assert mask_id_number(ID) == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张*"


def test_masks_of_short_values_hide_everything():
    assert mask_id_number("12345") == "*****"
    assert mask_phone("12345") == "*****"
    assert mask_name("  ") == ""


@pytest.mark.parametrize("key_bytes", [16, 32, 64, 65, 200])
def test_the_blind_index_is_hmac_sha256_of_field_nul_value(key_bytes):
    rng = random.Random(key_bytes)
    key = bytes(rng.randrange(256) for _ in range(key_bytes))
    cipher = PiiCipher("k1:" + base64.b64encode(b"\x01" * 32).decode(),
                       base64.b64encode(key).decode())
    for value in ["", "13812345678", "张三" * 50, "x" * 1000, "\x00\n"]:
        for field in ("phone", "content", ""):
            expected = hmac.new(key, f"{field}\x00{value}".encode(), "sha256").hexdigest()
            assert cipher.blind_index(value, field=field) == expected
