"""The roles of MIS as Django groups. The data migrations create them; this
module names them for code and tests."""

MARKETING_STAFF = "Marketing staff"
MARKETING_MANAGER = "Marketing manager"
DATA_STEWARD = "Data steward"
DATA_PROTECTION_LEAD = "Data protection lead"
INTEGRATION = "Integration"

ALL_ROLES = (MARKETING_STAFF, MARKETING_MANAGER, DATA_STEWARD, DATA_PROTECTION_LEAD, INTEGRATION)
