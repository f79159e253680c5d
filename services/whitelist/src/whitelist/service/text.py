"""Free text (justifications, reasons) is masked before it is stored or shown."""

import re

from porttrust_shared.pii import mask_id_number, mask_phone

# Resident ID numbers never start with 10 (no province has that code), so ports stay intact.
_ID = re.compile(r"(?<![0-9])(?!10)[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def scrub(text: str) -> str:
    """Mask anything shaped like an ID number or a mobile number."""
    text = _ID.sub(lambda m: mask_id_number(m.group(0).upper()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
