"""Checks of the values a secretariat types, through well-kept libraries
(email-validator, phonenumbers, python-stdnum), each raising ValidationError."""

from __future__ import annotations

import functools
import re
from typing import overload

from certcli.errors import ValidationError

CIVILITIES = {
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "madame": "Mme",
    "mx": "Mx",
}
STATUSES = ("salarie", "demandeur")
SPECIALTIES = ("economie", "programmation")

# Longest value accepted per kind of field: generous for real data, but a pasted
# page of text is a mistake, not a name.
MAX_NAME = 200  # a person's, employer's or organisation's name; a city
MAX_LINE = 300  # one line of free text: an address, a short label
MAX_TEXT = 2000  # a reason, a note, an override: told to a candidate or logged
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_SHOWN = 60  # how much of a refused value an error message repeats


def quoted(value) -> str:
    """A refused value as an error quotes it: repr, cut to MAX_SHOWN characters so
    that a huge paste never floods the terminal."""
    text = str(value)
    if len(text) <= MAX_SHOWN:
        return repr(text)
    return f"{text[:MAX_SHOWN]!r}… ({len(text)} characters)"


def _cap(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise ValidationError(
            f"{what} is too long: {len(text)} characters, at most {limit} ({quoted(text)})"
        )
    return text


# The everyday address (ASCII dot-atom local part) is checked here and only its
# domain by email-validator, once per domain: an import of 100,000 rows would
# otherwise spend most of its time re-validating the same few domains. Anything
# else goes through email-validator whole.
# Patterns as text, compiled by `re` on first use (and cached there): compiling
# them all at import cost every command, most never use them.
_PLAIN_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"


def email(value: str) -> str:
    text = _cap(value.strip(), "e-mail", MAX_EMAIL)
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and re.fullmatch(_PLAIN_LOCAL, local):
        checked = _email_domain(domain)
        if checked is not None:
            return f"{local}@{checked}"
    return _email_full(value)


@functools.lru_cache(maxsize=1024)
def _email_domain(domain: str) -> str | None:
    """The normalised domain, or None when an address there is not plain."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def _email_full(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"invalid e-mail {quoted(value)}: {exc}") from None


# A French number typed nationally ("06 12 34 56 78"): phonenumbers checks it
# without its generic parser, and its international form is "+33 6 12 34 56 78"
# for every first digit but 8 (tests compare this with phonenumbers' own output).
_FR_NATIONAL = r"0([1-79])(?:[ .-]?(\d\d)){4}"


@functools.lru_cache(maxsize=10_000)
def _fr_prefix_valid(prefix: str) -> bool:
    """Whether French 9-digit national numbers starting with these 4 digits are
    valid: for first digits 1-7 and 9, phonenumbers' French patterns decide on at
    most the first 3 digits (a test checks it against the installed metadata)."""
    import phonenumbers

    number = phonenumbers.PhoneNumber(country_code=33, national_number=int(prefix + "00000"))
    return phonenumbers.is_valid_number(number)


def phone(value: str) -> str:
    """A French (or international) phone number, stored in international form."""
    text = _cap(value.strip(), "phone number", 40)
    if re.fullmatch(_FR_NATIONAL, text):
        digits = text.replace(" ", "").replace(".", "").replace("-", "")[1:]
        if not _fr_prefix_valid(digits[:4]):
            raise ValidationError(f"invalid phone number {quoted(value)}")
        return "+33 " + " ".join([digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:9]])
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"invalid phone number {quoted(value)}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"invalid phone number {quoted(value)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def siret(value: str) -> str:
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.fr import siret as stdnum_siret

    try:
        return stdnum_siret.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"invalid SIRET {quoted(value)}: {exc}") from None


def postcode(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValidationError(f"invalid postcode {quoted(value)}: five digits expected")
    return code


def civility(value: str) -> str:
    key = value.strip().lower()
    if key not in CIVILITIES:
        raise ValidationError(f"invalid civility {quoted(value)} (M., Mme or Mx)")
    return CIVILITIES[key]


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    key = fold(value)
    if key not in allowed:
        raise ValidationError(f"invalid {what} {quoted(value)} (one of: {', '.join(allowed)})")
    return key


# Tab and line breaks are whitespace, collapsed like spaces; every other control
# character (NUL, ESC and the terminal sequences it starts, DEL, C1), the
# direction overrides that make a name read backwards, and undecodable bytes are
# refused.
_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def control_free(value, what: str):
    """The one check of every text typed or imported: refuse control characters
    (see _FORBIDDEN), naming the field and the first one found. Returns `value`."""
    if isinstance(value, str):
        if value.isascii() and value.isprintable():
            return value  # printable ASCII holds none of them: no pattern to run
        found = re.search(_FORBIDDEN, value)
        if found:
            char = found.group()
            raise ValidationError(
                f"{what} contains a control character (U+{ord(char):04X}) "
                "that cannot be stored: type it again"
            )
    return value


def name(value: str, what: str, limit: int = MAX_NAME) -> str:
    """A required name, spaces collapsed, at most `limit` characters."""
    control_free(value, what)
    text = " ".join(value.split())
    if not text:
        raise ValidationError(f"{what} is required")
    return _cap(text, what, limit)


def text(value: str | None, what: str, limit: int = MAX_LINE) -> str | None:
    """Optional free text, spaces collapsed (None when blank), at most `limit`
    characters."""
    if value is None:
        return None
    control_free(str(value), what)
    collapsed = " ".join(str(value).split())
    return _cap(collapsed, what, limit) if collapsed else None


@overload
def reason(value: str | None, what: str = ..., *, required: str) -> str: ...
@overload
def reason(value: str | None, what: str = ..., *, required: None = ...) -> str | None: ...
def reason(value: str | None, what: str = "reason", *, required: str | None = None) -> str | None:
    """The one rule of every free-text reason, note or override a person writes (a
    withdrawal, a refusal, an appeal, a cancellation...): control characters refused,
    spaces collapsed, at most MAX_TEXT characters. Blank is None, or refused with the
    message `required` when the reason is mandatory."""
    cleaned = text(value, what, MAX_TEXT)
    if cleaned is None and required is not None:
        raise ValidationError(required)
    return cleaned


@overload
def paragraphs(value: str | None, what: str, *, required: str) -> str: ...
@overload
def paragraphs(value: str | None, what: str, *, required: None = ...) -> str | None: ...
def paragraphs(value: str | None, what: str, *, required: str | None = None) -> str | None:
    """The rule of a text written in paragraphs (an instructor's report, interview
    notes, an expert's opinion): `reason`'s rule, except that line breaks are kept.
    Control characters refused, spaces collapsed within each line, blank lines between
    paragraphs kept as one, none at either end; at most MAX_TEXT characters. Blank is
    None, or refused with the message `required`."""
    if value is None:
        cleaned = None
    else:
        control_free(str(value), what)
        lines = [" ".join(line.split()) for line in str(value).splitlines()]
        kept: list[str] = []
        for line in lines:
            if line or (kept and kept[-1]):
                kept.append(line)
        cleaned = _cap("\n".join(kept).strip("\n"), what, MAX_TEXT) if kept else None
        cleaned = cleaned or None
    if cleaned is None and required is not None:
        raise ValidationError(required)
    return cleaned


class _FoldTable(dict):
    """str.translate table folding one character at a time, filled as characters
    are met: NFKD, combining marks dropped, lower case (the same as folding the
    whole string, at a fraction of the cost on a long import)."""

    def __missing__(self, code: int) -> str:
        import unicodedata  # once a character is met, not for every read

        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        self[code] = folded
        return folded


_FOLD = _FoldTable()
_NOT_ALNUM = r"[\W_]+"


def fold(text: str) -> str:
    """Lower case without accents, for search and loose comparisons."""
    return fold_chars(text).strip()


def fold_chars(text: str) -> str:
    """fold() without its strip: character by character, so folding the parts of a
    text and joining them is folding the joined text (a search key built from a
    candidate's fields, each part's fold kept for the values that repeat)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def name_key(first_name: str, last_name: str) -> str:
    """A person's name as duplicate checks compare it: folded like search (accents,
    case), hyphens, apostrophes and other punctuation as spaces, spaces collapsed
    ("ÉRIC BÉRÉGOVOY" and "eric beregovoy" are one key; "Dupont-Durand" is the two
    words "dupont durand"). The words of each name are those of the joined name (the
    space between is punctuation too), the first name's kept as they repeat."""
    return " ".join((*_first_name_words(f"{first_name}"), *_name_words(f"{last_name}")))


def _name_words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(_NOT_ALNUM, " ", fold_chars(text)).split())


_first_name_words = functools.lru_cache(maxsize=4096)(_name_words)


def email_key(value: str | None) -> str | None:
    """An e-mail as duplicate checks compare it (case ignored)."""
    return value.strip().lower() if value and value.strip() else None
