"""What governance does when the customer database announces something."""

from django.dispatch import receiver

from customers.signals import personal_data_accessed
from governance.services.access import access_log_record


@receiver(personal_data_accessed, dispatch_uid="governance.access_log")
def log_personal_data_access(
    sender, *, user, action, via, customer_ids=(), count=None, request=None, detail="", **kwargs
):
    access_log_record(
        user=user,
        action=action,
        via=via,
        customer_ids=customer_ids or (),
        count=count,
        request=request,
        detail=detail,
    )
