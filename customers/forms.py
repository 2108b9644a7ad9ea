from django import forms

from customers.masking import masked_fields_for
from customers.models import AttributeDefinition, AttributeType, Customer
from customers.services import CUSTOMER_WRITABLE_FIELDS

_ATTRIBUTE_FIELDS = {
    AttributeType.TEXT: lambda d: forms.CharField(max_length=500),
    AttributeType.INTEGER: lambda d: forms.IntegerField(),
    AttributeType.DECIMAL: lambda d: forms.DecimalField(max_digits=18, decimal_places=6),
    AttributeType.BOOLEAN: lambda d: forms.NullBooleanField(),
    AttributeType.DATE: lambda d: forms.DateField(widget=forms.DateInput(attrs={"type": "date"})),
    AttributeType.CHOICE: lambda d: forms.ChoiceField(
        choices=[("", "—"), *((v, v) for v in d.allowed_values)]
    ),
}


class CustomerForm(forms.ModelForm):
    """The create/edit form. It shows only what the user may write (no
    sensitive fields without the permission) and one field per custom
    attribute; saving goes through the customer services, which validate
    again, so the page and the API cannot disagree."""

    interests = forms.CharField(
        required=False,
        help_text="Separate interests with commas.",
        widget=forms.TextInput(attrs={"placeholder": "gardening, cycling"}),
    )

    class Meta:
        model = Customer
        fields = [f for f in CUSTOMER_WRITABLE_FIELDS if f != "attributes"]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "last_verified_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for field in masked_fields_for(user):
            self.fields.pop(field, None)
        if "interests" in self.fields and self.instance.pk:
            self.initial["interests"] = ", ".join(i.name for i in self.instance.interests.all())
        self.attribute_definitions = list(AttributeDefinition.objects.filter(is_active=True))
        for definition in self.attribute_definitions:
            field = _ATTRIBUTE_FIELDS[definition.data_type](definition)
            field.required = False
            field.label = definition.label
            field.help_text = definition.help_text
            field.initial = (self.instance.attributes or {}).get(definition.name)
            self.fields[f"attr_{definition.name}"] = field

    def _post_clean(self):
        # Attributes are validated by the model against their definitions.
        self.instance.attributes = self.attribute_values()
        super()._post_clean()

    def attribute_values(self) -> dict:
        values = dict(self.instance.attributes or {}) if self.instance.pk else {}
        for definition in self.attribute_definitions:
            value = self.cleaned_data.get(f"attr_{definition.name}")
            if value in (None, ""):
                values.pop(definition.name, None)
            else:
                values[definition.name] = (
                    str(value)
                    if definition.data_type
                    in (
                        AttributeType.DECIMAL,
                        AttributeType.DATE,
                    )
                    else value
                )
        return values

    def service_data(self) -> dict:
        """What the form says, in the shape the customer services take."""
        data = {
            name: self.cleaned_data.get(name)
            for name in self.Meta.fields
            if name in self.fields and name != "interests"
        }
        data["country"] = str(data.get("country") or "")
        if "interests" in self.fields:
            raw = self.cleaned_data.get("interests") or ""
            data["interests"] = [part for part in raw.split(",") if part.strip()]
        if self.attribute_definitions:
            data["attributes"] = self.attribute_values()
        return data
