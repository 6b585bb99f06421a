"""WTForms' built-in messages follow the page's language and are read from disk once."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from app.form_translations import wtforms_catalogue


class CountForm(FlaskForm):
    class Meta:
        csrf = False

    count = IntegerField()


def errors_in(app: Flask, locale: str) -> list[str]:
    with app.test_request_context(method="POST"):
        app.preprocess_request()
        with force_locale(locale):
            form = CountForm(formdata=MultiDict({"count": "many"}))
            form.validate()
            return list(form.count.errors)


def test_built_in_messages_are_in_the_page_language(app: Flask) -> None:
    assert errors_in(app, "en") == ["Not a valid integer value."]
    assert errors_in(app, "fr") == ["N'est pas un entier valide."]


def test_each_catalogue_is_read_once_per_process(app: Flask) -> None:
    wtforms_catalogue.cache_clear()
    for _ in range(3):
        errors_in(app, "fr")
        errors_in(app, "en")
    assert wtforms_catalogue.cache_info().misses == 2
