"""Field types the request shapes share: one definition per rule."""

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

# Re-exported: the api modules and the import take these field types from here.
from porttrust_shared.fields import IdNumber as IdNumber
from porttrust_shared.fields import PortNumber as PortNumber
from porttrust_shared.fields import Province as Province
from porttrust_shared.fields import Uscc as Uscc
from porttrust_shared.validators import check_mobile

Mobile = Annotated[str, AfterValidator(check_mobile)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
OrgRole = Literal["holder", "user_unit"]
BusinessType = Literal["verification_code", "notification", "marketing"]
Scope = Literal["provincial", "national"]
# The unit's business is life safety, emergency rescue or government regulation (notice §7):
# whitelist puts it on the province's list of customers to comb.
PublicService = Literal["life_safety", "emergency_rescue", "government_regulatory"]
# A count stored as a 64-bit integer (BIGINT): beyond it no database could hold it.
Amount = Annotated[int, Field(ge=0, le=2**63 - 1)]
Importance = Annotated[int, Field(ge=0, le=10)]
Forbid = ConfigDict(extra="forbid")
# A phone as every answer shows it.
MaskedPhone = Annotated[str, Field(description="Masked, e.g. 138****5678.")]
