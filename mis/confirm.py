"""Confirmation before a destructive step, asked by the server.

A view that erases, merges, discards or withdraws calls ``confirmation(...)``
first: until the POST carries ``confirmed=yes`` (and, for the gravest steps,
the record's name typed out), it answers with a page (or, for an HTMX
request, a fragment in place) that says what will happen and re-posts the
same fields with the confirmation. Nothing is written before that, whatever
the browser or script sends; without JavaScript it works the same way."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"
TYPED = "typed_confirmation"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRMED, TYPED}


def _same_text(typed: str, expected: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(expected.split()).casefold()


def confirmation(
    request,
    *,
    title: str,
    message: str,
    button: str,
    type_to_confirm: str = "",
    form: forms.Form | None = None,
    cancel_url: str = "",
) -> HttpResponse | None:
    """None when the step is confirmed (and ``form``, if given, is valid);
    otherwise the response that asks for it, with status 200 on the first
    ask and 400 when a confirmation was sent but was wrong."""
    sent = request.POST.get(CONFIRMED) == "yes"
    typed = request.POST.get(TYPED, "")
    problems = []
    if sent and type_to_confirm and not _same_text(typed, type_to_confirm):
        problems.append(f"Type “{type_to_confirm}” exactly to confirm.")
    form_ok = form is None or (sent and form.is_valid())
    if sent and not problems and form_ok:
        return None
    own = set(form.fields) if form is not None else set()
    repost = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPOSTED and name not in own
        for value in values
    ]
    context = {
        "title": title,
        "message": message,
        "button": button,
        "type_to_confirm": type_to_confirm,
        "form": form if form is not None and sent else (form.__class__() if form else None),
        "repost": repost,
        "problems": problems,
        "action": request.get_full_path(),
        "target": request.headers.get("HX-Target", ""),
        "cancel_url": cancel_url or request.headers.get("Referer", ""),
    }
    template = "_confirm.html" if getattr(request, "htmx", False) else "confirm.html"
    return render(request, template, context, status=400 if sent else 200)
