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


def email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"invalid e-mail {value!r}: {exc}") from None


def phone(value: str) -> str:
    """A French (or international) phone number, stored in international form."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"invalid phone number {value!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"invalid phone number {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def siret(value: str) -> str:
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.fr import siret as stdnum_siret

    try:
        return stdnum_siret.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"invalid SIRET {value!r}: {exc}") from None


def postcode(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValidationError(f"invalid postcode {value!r}: five digits expected")
    return code


def civility(value: str) -> str:
    key = value.strip().lower()
    if key not in CIVILITIES:
        raise ValidationError(f"invalid civility {value!r} (M., Mme or Mx)")
    return CIVILITIES[key]


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    key = fold(value)
    if key not in allowed:
        raise ValidationError(f"invalid {what} {value!r} (one of: {', '.join(allowed)})")
    return key


def name(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationError(f"{what} is required")
    return text


def fold(text: str) -> str:
    """Lower case without accents, for search and loose comparisons."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
