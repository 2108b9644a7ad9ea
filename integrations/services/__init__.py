from integrations.services.keys import (  # noqa: F401
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    api_keys_from_tokens,
)
from integrations.services.webhooks import (  # noqa: F401
    endpoint_check,
    webhook_delivery_attempt,
    webhook_delivery_replay,
    webhook_emit,
    webhook_subscription_create,
    webhook_subscription_update,
)
