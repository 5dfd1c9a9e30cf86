import re
import secrets

import pytest

from certificates.lifecycle.credential_ids import (
    _CONFUSABLE,
    ALPHABET,
    CREDENTIAL_ID_RE,
    check_symbol,
    credential_id_repairs,
    is_valid_credential_id,
    new_credential_id,
    normalize_credential_id,
)

SAMPLE_DATA = "7KQ2M9XD4HPAT3BN"
SAMPLE = f"CV-7KQ2-M9XD-4HPA-T3BN-{check_symbol(SAMPLE_DATA)}"


def _symbols(credential_id: str) -> list[str]:
    return list(credential_id.replace("-", "")[2:])


def _join(symbols: list[str]) -> str:
    data = "".join(symbols)
    return f"CV-{data[0:4]}-{data[4:8]}-{data[8:12]}-{data[12:16]}-{data[16]}"


def test_new_ids_have_the_documented_canonical_shape_and_verify():
    for _ in range(200):
        credential_id = new_credential_id()
        assert CREDENTIAL_ID_RE.match(credential_id), credential_id
        assert len(credential_id) == 24
        assert is_valid_credential_id(credential_id)


def test_new_ids_carry_80_bits_so_they_do_not_repeat():
    ids = {new_credential_id() for _ in range(5000)}
    assert len(ids) == 5000
    # 16 data symbols from a 32-symbol alphabet: 16 * 5 = 80 bits.
    assert len(ALPHABET) == 32 and len(_symbols(SAMPLE)) - 1 == 16


def test_ids_never_contain_ambiguous_letters():
    joined = "".join(new_credential_id() for _ in range(500))
    assert not set("ILOU") & set(joined.replace("CV-", ""))


@pytest.mark.parametrize(
    "typed",
    [
        SAMPLE,
        SAMPLE.lower(),
        SAMPLE.replace("-", ""),
        SAMPLE.replace("-", " "),
        "  " + SAMPLE.lower().replace("-", "  ") + "\n",
        SAMPLE[3:],  # without the CV prefix
        SAMPLE[3:].replace("-", ""),
    ],
)
def test_normalize_accepts_case_spacing_and_missing_dashes(typed):
    assert normalize_credential_id(typed) == SAMPLE


def test_normalize_reads_i_and_l_as_one_and_o_as_zero():
    data = "1K02M9XD4HPAT3BN"
    canonical = f"CV-1K02-M9XD-4HPA-T3BN-{check_symbol(data)}"
    assert normalize_credential_id(canonical.replace("1", "I").replace("0", "O")) == canonical
    assert normalize_credential_id(canonical.replace("1", "l")) == canonical
    assert is_valid_credential_id(canonical.replace("1", "L").replace("0", "o"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        42,
        "CV-",
        SAMPLE[:-1],  # check symbol missing
        SAMPLE + "7",  # one symbol too many
        SAMPLE.replace("7", "U"),  # U is not in Crockford's alphabet
        SAMPLE.replace("7", "#"),
        "XX-" + SAMPLE[3:],  # wrong prefix makes it too long
    ],
)
def test_normalize_rejects_malformed_text(text):
    assert normalize_credential_id(text) is None
    assert not is_valid_credential_id(text)


def test_every_single_substituted_symbol_is_detected():
    for credential_id in (SAMPLE, *(new_credential_id() for _ in range(20))):
        symbols = _symbols(credential_id)
        for position, original in enumerate(symbols):
            for replacement in ALPHABET:
                if replacement != original:
                    typo = _join(symbols[:position] + [replacement] + symbols[position + 1 :])
                    assert not is_valid_credential_id(typo), (credential_id, typo)


def test_every_adjacent_transposition_is_detected():
    for credential_id in (SAMPLE, *(new_credential_id() for _ in range(200))):
        symbols = _symbols(credential_id)
        for position in range(len(symbols) - 1):
            if symbols[position] != symbols[position + 1]:
                swapped = symbols.copy()
                swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
                assert not is_valid_credential_id(_join(swapped)), (credential_id, _join(swapped))


def test_check_symbol_is_from_the_base32_alphabet_for_random_data():
    for _ in range(1000):
        data = "".join(secrets.choice(ALPHABET) for _ in range(16))
        assert check_symbol(data) in ALPHABET


def test_pattern_constant_works_as_a_url_fragment():
    from certificates.lifecycle.credential_ids import CREDENTIAL_ID_PATTERN

    assert re.fullmatch(CREDENTIAL_ID_PATTERN, SAMPLE)
    assert not re.fullmatch(CREDENTIAL_ID_PATTERN, SAMPLE.lower())


# --- confusable misreads --------------------------------------------------------------------------


def test_a_b_read_as_8_is_repaired_to_the_issued_id():
    issued = "CV-7KQ2-M9XD-08QB-T3BN-" + check_symbol("7KQ2M9XD08QBT3BN")
    misread = issued.replace("08QB", "08Q8")
    assert not is_valid_credential_id(misread)
    assert issued in credential_id_repairs(misread)


def test_every_single_confusable_misread_of_an_id_repairs_to_it():
    for _ in range(20):
        issued = new_credential_id()
        compact = issued.replace("-", "")[2:]
        for index, symbol in enumerate(compact):
            for other in _CONFUSABLE.get(symbol, ""):
                misread = compact[:index] + other + compact[index + 1 :]
                assert issued in credential_id_repairs(misread), (issued, misread)


def test_a_valid_or_malformed_id_has_no_repairs():
    assert credential_id_repairs(new_credential_id()) == []
    assert credential_id_repairs("CV-1234") == []
    assert credential_id_repairs(None) == []
