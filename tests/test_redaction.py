"""Redaction: many formats of e-mails, phones, URLs, IDs and roster names; ordinary numbers kept."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.redaction import redact


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe@example.com",
        "JANE_DOE@Example.CO.UK",
        "j.doe+hr@mail.example.org",
        "first-last@sub.domain.io",
        "x@y.de",
        "o'brien@example.ie".replace("'", ""),
    ],
)
def test_emails(email):
    assert redact([f"Contact {email} today."]) == ["Contact [EMAIL] today."]


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "(555) 123-4567",
        "555.123.4567",
        "555-123-4567",
        "07700 900123",
        "+49 30 1234567",
        "+1-202-555-0143",
        "+1 (202) 555-0143",
        "0044 20 7946 0958",
        "+33 1 23 45 67 89",
        "020 7946 0958",
        "0800 123 4567",
        "+91 98765 43210",
        "+61 2 9876 5432",
        "202-555-0143 ext 12",
    ],
)
def test_phone_numbers(phone):
    assert redact([f"Call me on {phone} please"]) == ["Call me on [PHONE] please"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://intranet.example.com/hr?id=3", "[URL]"),
        ("http://example.org", "[URL]"),
        ("www.example.co.uk/jobs", "[URL]"),
        ("example.com/path/to/page", "[URL]"),
        ("docs.google.com", "[URL]"),
        ("https://example.com/page.", "[URL]."),
    ],
)
def test_urls(url, expected):
    assert redact([f"See {url}"]) == [f"See {expected}"]


@pytest.mark.parametrize(
    "token",
    [
        "E12345",
        "EMP-00123",
        "ID 483920",
        "Employee ID: 48392",
        "badge #12345",
        "12345678",
        "AB123456",
        "staff no 55512",
    ],
)
def test_employee_ids(token):
    assert redact([f"My number is {token} ok"]) == ["My number is [ID] ok"]


@pytest.mark.parametrize(
    "text",
    [
        "It took 2 weeks and 5 people",
        "In 2024 we grew by 50%",
        "Targets for Q3 2024 went up 12.5%",
        "We had 3 reorganisations in 2023-2024",
        "The meeting on 12.05.2024 at 10.30 was long",
        "Deadline 2024-05-12",
        "About 1,000 employees and 40 teams",
        "Version 3.2.1 of the tool",
        "Salary 45000 per year is low",
        "I have worked here for 15 years",
        "Top 10 issues, 24/7 support, 9-5 hours",
        "No comment",
        "The AI tool and ML models",
    ],
)
def test_ordinary_numbers_and_words_survive(text):
    assert redact([text]) == [text]


def test_roster_names_full_first_last_possessive_case_insensitive():
    roster = ["Sarah Connor", "Li Wei", "José Álvarez"]
    texts = [
        "Sarah's manager is great",
        "sarah connor never replies",
        "Ask Connor.",
        "JOSÉ ÁLVAREZ helped",
        "Álvarez’s team",
        "Li Wei and Wei, Li said",
        "Sarahs and Connorville are not names on the list",
    ]
    assert redact(texts, roster) == [
        "[NAME] manager is great",
        "[NAME] never replies",
        "Ask [NAME].",
        "[NAME] helped",
        "[NAME] team",
        "[NAME] and [NAME], Li said",
        "Sarahs and Connorville are not names on the list",
    ]


def test_short_name_parts_are_not_redacted_alone():
    # "Li" and "Al" would hit ordinary words; only full names with them are redacted.
    assert redact(["Al said the AI was all right", "Al Smith agreed"], ["Al Smith"]) == [
        "Al said the AI was all right",
        "[NAME] agreed",
    ]


def test_several_kinds_in_one_comment_and_missing_values():
    text = "Mail sarah@example.com or call +44 20 7946 0958, ask Sarah (ID 483920), see x.io/a"
    assert redact([text, None, pd.NA, float("nan")], ["Sarah Connor"]) == [
        "Mail [EMAIL] or call [PHONE], ask [NAME] ([ID]), see [URL]",
        "",
        "",
        "",
    ]


@given(st.lists(st.text(max_size=80), max_size=10))
def test_redact_is_total_and_idempotent(texts):
    once = redact(texts, ["Sarah Connor"])
    assert len(once) == len(texts)
    assert redact(once, ["Sarah Connor"]) == once
