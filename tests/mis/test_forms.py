"""A service's ValidationError reaches the person on every page the same way."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from mis.forms import form_errors_add, form_errors_flash


class ReasonForm(forms.Form):
    reason = forms.CharField()
    days = forms.IntegerField(required=False)


def _bound(**data):
    form = ReasonForm(data=data)
    form.is_valid()
    return form


def test_it_puts_each_message_on_its_field():
    form = _bound(reason="because")
    form_errors_add(form, ValidationError({"reason": ["Say more."], "days": ["Too many."]}))
    assert form.errors == {"reason": ["Say more."], "days": ["Too many."]}


def test_a_field_the_form_lacks_goes_on_the_form_as_a_whole():
    form = _bound(reason="because")
    form_errors_add(form, ValidationError({"purpose": ["Unknown purpose."]}))
    assert form.non_field_errors() == ["Unknown purpose."]
    assert "purpose" not in form.errors


def test_a_plain_error_goes_on_the_form_as_a_whole():
    form = _bound(reason="because")
    form_errors_add(form, ValidationError("The request is closed."))
    assert form.non_field_errors() == ["The request is closed."]


def test_rename_maps_a_service_argument_to_its_form_field():
    form = _bound(reason="because")
    form_errors_add(
        form,
        ValidationError({"extension_reason": ["Say why."]}),
        rename={"extension_reason": "reason"},
    )
    assert form.errors == {"reason": ["Say why."]}


def test_a_field_with_the_forms_own_error_keeps_only_that_one():
    form = _bound()  # reason missing: the form's own "required"
    form_errors_add(form, ValidationError({"reason": ["Give a reason."]}))
    assert form.errors["reason"] == ["This field is required."]


def test_flash_names_the_field_by_its_label():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    form_errors_flash(request, ValidationError({"purpose": ["Choose a purpose."]}))
    form_errors_flash(request, ValidationError("Nothing to snapshot."))
    assert [str(m) for m in get_messages(request)] == [
        "Purpose: Choose a purpose.",
        "Nothing to snapshot.",
    ]
