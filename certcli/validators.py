"""Checks of the values a secretariat types, through well-kept libraries
(email-validator, phonenumbers, python-stdnum), each raising ValidationError."""

from __future__ import annotations

import re
import unicodedata

from certcli.errors import ValidationError

CIVILITIES = {"m": "M.", "m.": "M.", "mr": "M.", "monsieur": "M.",
              "mme": "Mme", "madame": "Mme", "mx": "Mx"}
STATUSES = ("salarie", "demandeur")
SPECIALTIES = ("economie", "programmation")

# Longest value accepted per kind of field: generous for real data, but a pasted
# page of text is a mistake, not a name.
MAX_NAME = 200  # a person's, employer's or organisation's name; a city
MAX_LINE = 300  # one line of free text: an address, a short label
MAX_TEXT = 2000  # a reason, a note, an override: told to a candidate or logged
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_SHOWN = 60  # how much of a refused value an error message repeats


def shown(value) -> str:
    """A refused value as an error quotes it: repr, cut to MAX_SHOWN characters so
    that a huge paste never floods the terminal."""
    text = str(value)
    if len(text) <= MAX_SHOWN:
        return repr(text)
    return f"{text[:MAX_SHOWN]!r}… ({len(text)} characters)"


def _cap(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise ValidationError(f"{what} is too long: {len(text)} characters, at most {limit} "
                              f"({shown(text)})")
    return text


def email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    _cap(value.strip(), "e-mail", MAX_EMAIL)
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"invalid e-mail {shown(value)}: {exc}") from None


def phone(value: str) -> str:
    """A French (or international) phone number, stored in international form."""
    import phonenumbers

    _cap(value.strip(), "phone number", 40)
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"invalid phone number {shown(value)}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"invalid phone number {shown(value)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def siret(value: str) -> str:
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.fr import siret as stdnum_siret

    try:
        return stdnum_siret.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"invalid SIRET {shown(value)}: {exc}") from None


def postcode(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValidationError(f"invalid postcode {shown(value)}: five digits expected")
    return code


def civility(value: str) -> str:
    key = value.strip().lower()
    if key not in CIVILITIES:
        raise ValidationError(f"invalid civility {shown(value)} (M., Mme or Mx)")
    return CIVILITIES[key]


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    key = fold(value)
    if key not in allowed:
        raise ValidationError(f"invalid {what} {shown(value)} (one of: {', '.join(allowed)})")
    return key


def name(value: str, what: str, limit: int = MAX_NAME) -> str:
    """A required name, spaces collapsed, at most `limit` characters."""
    text = " ".join(value.split())
    if not text:
        raise ValidationError(f"{what} is required")
    return _cap(text, what, limit)


def text(value: str | None, what: str, limit: int = MAX_LINE) -> str | None:
    """Optional free text, spaces collapsed (None when blank), at most `limit`
    characters."""
    if value is None:
        return None
    collapsed = " ".join(str(value).split())
    return _cap(collapsed, what, limit) if collapsed else None


def fold(text: str) -> str:
    """Lower case without accents, for search and loose comparisons."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
