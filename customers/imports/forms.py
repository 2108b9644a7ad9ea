from django import forms
from django.conf import settings

from customers.models import ImportKind

DELIMITER_CHOICES = [
    ("", "Detect it"),
    (",", "Comma ,"),
    (";", "Semicolon ;"),
    ("\t", "Tab"),
    ("|", "Pipe |"),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (any delimiter; UTF-8, UTF-16 with a byte order mark, Latin-1 or "
        "Windows-1252) or XLSX."
    )
    kind = forms.ChoiceField(choices=ImportKind.choices, initial=ImportKind.CUSTOMERS)
    source = forms.CharField(
        max_length=100,
        help_text="Where the data comes from, e.g. “crm export” or “spring fair”. "
        "Re-importing from the same source updates the same records.",
    )
    encoding = forms.CharField(
        max_length=40,
        required=False,
        help_text="Leave empty to detect (UTF-8, UTF-16, else Latin-1 or Windows-1252).",
    )
    delimiter = forms.ChoiceField(choices=DELIMITER_CHOICES, required=False)
    date_format = forms.CharField(
        max_length=40,
        required=False,
        help_text="Only for dates in another shape than YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY or "
        "MM/DD/YYYY (each date column's order is recognised, or asked), e.g. %d %b %Y.",
    )
    strict = forms.BooleanField(
        required=False,
        help_text="Reject a row with any bad value, instead of importing it with the value "
        "kept raw and flagged.",
    )

    hold_duplicates = forms.BooleanField(
        required=False,
        label="Hold certain duplicates for review",
        help_text="A row the match model scores as certainly an existing customer is not "
        "created: it waits, with its values, for someone to discard or import it.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:,.1f} MB; the limit is "
                f"{settings.IMPORT_MAX_BYTES / 1e6:,.0f} MB. Split it into smaller files."
            )
        return upload
