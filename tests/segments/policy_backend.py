"""A governance policy backend for tests: the interface customers.policy
expects, over real querysets. Lapsed customers have given no consent."""

from customers.policy import Eligibility


def purposes():
    return [("marketing", "Marketing")]


def channels():
    return [("email", "Email"), ("post", "Post")]


def eligible(queryset, *, purpose, channel, at=None):
    refused = queryset.filter(lifecycle_stage="lapsed")
    return Eligibility(
        eligible=queryset.exclude(lifecycle_stage="lapsed"),
        excluded={"no consent": refused.count()},
        checked=True,
    )


def suppressed(*, emails, phones):
    return set()
