"""How dates and times read, per language (settings.FORMAT_MODULE_PATH).

One style per language, day before month, 24-hour clock: Dutch "7 december 2026, 14:30" and
"07-12-2026"; English the European way, "7 December 2026, 14:30" and "07/12/2026" (Django's
own English formats are American: "Dec. 7, 2026, 2:30 p.m."). Month names come from the
active language. Templates ask for DATE_FORMAT, SHORT_DATE_FORMAT, DATETIME_FORMAT or
SHORT_DATETIME_FORMAT; whatever is not set here (input formats, number separators) is
Django's for the language.
"""
