from django import forms

from governance.models import CaptureMethod, Channel

# Ways staff capture a grant in person; a web form or API records its own.
STAFF_METHODS = [
    (value, label)
    for value, label in CaptureMethod.choices
    if value
    in {
        CaptureMethod.PHONE_CALL,
        CaptureMethod.PAPER_FORM,
        CaptureMethod.IN_PERSON,
        CaptureMethod.EMAIL_REPLY,
    }
]


class ConsentGrantForm(forms.Form):
    """A grant recorded by staff. The service checks the combination."""

    purpose = forms.ChoiceField()
    channel = forms.ChoiceField(choices=Channel.choices)
    capture_method = forms.ChoiceField(label="How it was given", choices=STAFF_METHODS)
    source = forms.CharField(
        max_length=200, help_text="The call, form or event, e.g. “call 2026-11-26, ref 4411”."
    )
    wording_version = forms.CharField(
        max_length=64, label="Wording version", help_text="The statement read or shown."
    )
    evidence = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = purposes


class ChoiceOfEvent(forms.Form):
    """The purpose and channel a one-click withdrawal is about."""

    purpose = forms.CharField(max_length=64)
    channel = forms.ChoiceField(choices=Channel.choices)


class WithdrawalForm(forms.Form):
    """How a withdrawal reached us: the proof of it, as for a grant."""

    capture_method = forms.ChoiceField(
        label="How did the withdrawal arrive?",
        choices=[
            ("", "Choose…"),
            *STAFF_METHODS,
            (CaptureMethod.WEB_FORM, CaptureMethod.WEB_FORM.label),
            (CaptureMethod.UNSUBSCRIBE_LINK, CaptureMethod.UNSUBSCRIBE_LINK.label),
        ],
    )
    source = forms.CharField(
        max_length=200,
        required=False,
        label="Reference (optional)",
        help_text="The call, letter or e-mail, e.g. “e-mail of 26 Nov 2026”.",
    )
