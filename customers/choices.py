"""The choices of the customer record's fields (the field registry,
customers.fields, names them; the model uses them)."""

from django.db import models


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"  # known to us, no contact yet
    LEAD = "lead", "Lead"  # has shown interest (enquiry, sign-up)
    CUSTOMER = "customer", "Customer"  # has bought
    LAPSED = "lapsed", "Lapsed"  # bought before, not recently


class IncomeBand(models.TextChoices):
    UNDER_20K = "under_20k", "Under £20k"
    FROM_20K = "20k_40k", "£20k–£40k"
    FROM_40K = "40k_60k", "£40k–£60k"
    FROM_60K = "60k_100k", "£60k–£100k"
    OVER_100K = "over_100k", "Over £100k"


class Lifestyle(models.TextChoices):
    URBAN_PROFESSIONAL = "urban_professional", "Urban professional"
    FAMILY_FOCUSED = "family_focused", "Family focused"
    OUTDOOR_ACTIVE = "outdoor_active", "Outdoor and active"
    HOMEBODY = "homebody", "Home and hobbies"
    STUDENT = "student", "Student"
    RETIRED = "retired", "Retired"


class ValuesOrientation(models.TextChoices):
    SUSTAINABILITY = "sustainability", "Sustainability"
    VALUE_FOR_MONEY = "value_for_money", "Value for money"
    QUALITY = "quality", "Quality"
    CONVENIENCE = "convenience", "Convenience"
    INNOVATION = "innovation", "Innovation"
    TRADITION = "tradition", "Tradition"
    COMMUNITY = "community", "Community"
