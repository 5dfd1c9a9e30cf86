"""The committed translations: each compiled .mo matches its .po (CI machines have no GNU gettext to
compile them), every message is translated, and a translation keeps its placeholders and markup."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-z]+)[\s>]")


def read_po(path: Path) -> list[dict]:
    """The .po's entries: msgid, msgid_plural, msgstr (a list for plurals) and flags."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"flags": "", "msgid": "", "msgid_plural": None, "msgstr": ""}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$", line):
            name, index, text = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if index is not None:
                entry["msgstr"] = entry["msgstr"] or []
                entry["msgstr"].append(text)
                field = ("msgstr", int(index))
            else:
                entry[name] = text
                field = name
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += text
            else:
                entry[field] += text
    return entries


def po_path(language: str) -> Path:
    return LOCALE / to_locale(language) / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    expected = {}
    for entry in read_po(po_path(language)):
        if "fuzzy" in entry["flags"] or not entry["msgid"]:
            continue
        if entry["msgid_plural"] is not None:
            expected.update({(entry["msgid"], i): form for i, form in enumerate(entry["msgstr"])})
        else:
            expected[entry["msgid"]] = entry["msgstr"]
    with open(po_path(language).with_suffix(".mo"), "rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)
    catalog.pop("", None)  # the header
    assert catalog == expected, "run `manage.py compilemessages` and commit the .mo files"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders_and_markup(language):
    entries = [e for e in read_po(po_path(language)) if e["msgid"]]
    assert len(entries) > 200
    for entry in entries:
        translations = entry["msgstr"] if isinstance(entry["msgstr"], list) else [entry["msgstr"]]
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        for text in translations:
            assert text.strip(), (language, entry["msgid"])
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry["msgid"])), text
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(entry["msgid"])), text
