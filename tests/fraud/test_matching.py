from datetime import date, datetime

import pytest

from fraud.matching import compare_dates, compare_exact, compare_names, compare_titles, parse_printed_date

# --- names -------------------------------------------------------------------------------------

SAME_PERSON = [
    ("José Müller", "Jose Mueller"),
    ("José Müller", "Jose Muller"),
    ("Jose Mueller", "José Müller"),
    ("MÜLLER, José", "José Müller"),
    ("  jose   MULLER. ", "José Müller"),
    ("Smith Jane", "Jane Smith"),
    ("Jean-Pierre Dupont", "Jean Pierre Dupont"),
    ("Sean O'Brien", "Sean OBrien"),
    ("Dr. Jane Smith", "Jane Smith"),
    ("John A. Smith", "John Smith"),
    ("Ivan Petrov", "Иван Петров"),
    ("WANG Xiao Ming", "王小明"),
    ("Ma Long", "Long Ma"),
    ("Katarzyna Wisniewska", "Katarzyna Wiśniewska"),
    ("Łukasz Żółć", "Lukasz Zolc"),
    ("Name: Jane Smith", "Jane Smith"),
]

# One letter off inside a long word is how OCR slips, not how names differ.
OCR_SLIPS = [
    ("Alexandra Konstantinopou1ou", "Alexandra Konstantinopoulou"),
    ("Alexandra Konstantinopoulu", "Alexandra Konstantinopoulou"),
    ("Katarzyna Wisnlewska", "Katarzyna Wiśniewska"),
    ("Bemard Kowalski", "Bernard Kowalski"),
    ("Maximilian Schwarzenegger", "Maximillan Schwarzenegger"),
]

DIFFERENT_PEOPLE = [
    ("John Smith", "Jane Smith"),
    ("Maria Lopez", "Mario Lopez"),
    ("Mark Taylor", "Park Taylor"),
    ("Francesco Rossi", "Francesca Rossi"),
    ("Daniela Weber", "Daniel Weber"),
    ("Christophe Smith", "Christopher Smith"),
    ("Maria Lopez", "Maria Garcia Lopez"),
    ("J. Smith", "Jane Smith"),
    ("Jane Smith", "Jane Smithson"),
    ("Kathryn Johnson", "Katherine Johnson"),
]


@pytest.mark.parametrize(("printed", "registry"), SAME_PERSON)
def test_accents_case_order_and_punctuation_do_not_make_a_different_name(printed, registry):
    assert compare_names(printed, registry).status == "match"


@pytest.mark.parametrize(("printed", "registry"), OCR_SLIPS)
def test_one_misread_letter_inside_a_long_name_still_matches(printed, registry):
    assert compare_names(printed, registry).status == "match"


@pytest.mark.parametrize(("printed", "registry"), DIFFERENT_PEOPLE)
def test_a_changed_name_is_a_mismatch(printed, registry):
    assert compare_names(printed, registry).status == "mismatch"


def test_name_mismatch_message_quotes_both_names():
    result = compare_names("Jane Smith", "John Smith")

    assert (
        result.message
        == "The name on the document, 'Jane Smith', does not match the issuer's record, 'John Smith'."
    )
    assert result.field == "recipient_name"
    assert (result.printed, result.registry) == ("Jane Smith", "John Smith")
    assert 0 < result.score < 100


def test_matching_name_scores_100_and_says_so():
    result = compare_names("MÜLLER, José", "José Müller")

    assert result.score == 100
    assert result.message == "The name on the document, 'MÜLLER, José', matches the issuer's record."


@pytest.mark.parametrize("printed", [None, "", "   ", "..."])
def test_a_name_that_could_not_be_read_is_unreadable_not_a_mismatch(printed):
    result = compare_names(printed, "Jane Smith")

    assert result.status == "unreadable"
    assert "could not be read" in result.message


# --- titles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "registry"),
    [
        ("BSc Computer Science", "Bachelor of Science in Computer Science"),
        ("Certificate in Project Management", "Project Management Certificate"),
        ("Advanced Python Programing", "Advanced Python Programming"),
        ("ADVANCED PYTHON PROGRAMMING", "Advanced Python Programming"),
        ("Health & Safety", "Health and Safety"),
        ("Master of Business Administration", "MBA"),
    ],
)
def test_titles_match_despite_abbreviations_filler_words_and_typos(printed, registry):
    assert compare_titles(printed, registry).status == "match"


@pytest.mark.parametrize(
    ("printed", "registry"),
    [
        ("Master of Science", "Bachelor of Science"),
        ("Diploma in Nursing", "Diploma in Accounting"),
        ("Python", "Advanced Python Programming"),
        ("Data Science", "Introduction to Data Science"),
    ],
)
def test_a_different_programme_or_degree_level_is_a_title_mismatch(printed, registry):
    assert compare_titles(printed, registry).status == "mismatch"


# --- dates -------------------------------------------------------------------------------------

MARCH_1 = date(2026, 3, 1)


@pytest.mark.parametrize(
    "printed",
    [
        "2026-03-01",
        "2026/03/01",
        "01/03/2026",
        "03/01/2026",
        "01.03.2026",
        "1.3.26",
        "1 March 2026",
        "1st of March, 2026",
        "March 1, 2026",
        "Mar. 1 2026",
        "01-Mar-2026",
        "Issued on 1 March 2026",
        "1 MARCH 2026",
    ],
)
def test_printed_date_formats_match_the_same_day(printed):
    assert compare_dates(printed, MARCH_1).status == "match"


def test_ambiguous_numeric_date_stands_for_both_readings():
    assert parse_printed_date("01/03/2026") == ({date(2026, 3, 1), date(2026, 1, 3)}, False)
    assert compare_dates("01/03/2026", date(2026, 1, 3)).status == "match"


def test_day_above_twelve_is_unambiguous():
    assert parse_printed_date("13/03/2026") == ({date(2026, 3, 13)}, False)
    assert compare_dates("13/03/2026", date(2026, 1, 3)).status == "mismatch"


@pytest.mark.parametrize("printed", ["2026-03-02", "02/03/2026", "1 August 2026", "March 1, 2025"])
def test_a_changed_date_is_a_mismatch_with_both_dates_in_words(printed):
    result = compare_dates(printed, MARCH_1)

    assert result.status == "mismatch"
    assert result.message == (
        f"The issue date on the document, '{printed}', does not match the issuer's record, '1 March 2026'."
    )


def test_month_and_year_only_matches_a_day_in_that_month():
    assert compare_dates("March 2026", date(2026, 3, 17)).status == "match"
    assert compare_dates("April 2026", date(2026, 3, 17)).status == "mismatch"


def test_dot_separated_dates_are_read_day_first():
    assert compare_dates("03.01.2026", date(2026, 1, 3)).status == "match"
    assert compare_dates("03.01.2026", date(2026, 3, 1)).status == "mismatch"


def test_registry_date_may_be_a_datetime_or_iso_string():
    assert compare_dates("1 March 2026", datetime(2026, 3, 1, 12, 30)).status == "match"
    assert compare_dates("1 March 2026", "2026-03-01").status == "match"


def test_printed_expiry_date_without_one_on_record_is_a_mismatch():
    result = compare_dates("1 March 2030", None, field="expiry_date")

    assert result.status == "mismatch"
    assert result.message == (
        "The document gives the expiry date as '1 March 2030', but the issuer's record has no expiry date."
    )


@pytest.mark.parametrize("printed", [None, "", "see reverse", "31/31/2026"])
def test_a_date_that_cannot_be_read_is_unreadable(printed):
    assert compare_dates(printed, MARCH_1).status == "unreadable"


# --- exact fields ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    ["CV-7KQ2-M9XD-4HPA-T3BN-R", "cv 7kq2 m9xd 4hpa t3bn r", "7KQ2M9XD4HPAT3BNR", "CV–7KQ2–M9XD–4HPA–T3BN–R"],
)
def test_credential_id_ignores_case_separators_and_the_optional_prefix(printed):
    assert compare_exact(printed, "CV-7KQ2-M9XD-4HPA-T3BN-R", optional_prefix="CV").status == "match"


def test_credential_id_reads_crockford_look_alikes_as_digits():
    assert compare_exact("CV-IKQ2-M9XD-4HPA-T3BN-O", "CV-1KQ2-M9XD-4HPA-T3BN-0").status == "match"
    assert compare_exact("CV-LKQ2-M9XD-4HPA-T3BN-o", "CV-1KQ2-M9XD-4HPA-T3BN-0").status == "match"


def test_one_changed_symbol_in_a_credential_id_is_a_mismatch():
    result = compare_exact("CV-7KQ2-M9XD-4HPA-T3BN-K", "CV-7KQ2-M9XD-4HPA-T3BN-R")

    assert result.status == "mismatch"
    assert result.message == (
        "The credential id on the document, 'CV-7KQ2-M9XD-4HPA-T3BN-K', does not match the issuer's record, "
        "'CV-7KQ2-M9XD-4HPA-T3BN-R'."
    )


@pytest.mark.parametrize(
    ("printed", "registry", "status"),
    [
        ("a+", "A+", "match"),
        ("First-Class Honours", "first class honours", "match"),
        ("A", "A+", "mismatch"),
        ("B", "A", "mismatch"),
        ("Distinction", "Merit", "mismatch"),
    ],
)
def test_grade_is_compared_exactly_after_normalization(printed, registry, status):
    assert compare_exact(printed, registry, field="grade").status == status


def test_a_grade_printed_where_the_record_has_none_was_added():
    result = compare_exact("A+", "", field="grade")

    assert result.status == "mismatch"
    assert "the issuer's record has no grade" in result.message


def test_missing_printed_grade_is_unreadable():
    assert compare_exact(None, "A", field="grade").status == "unreadable"


@pytest.mark.parametrize(
    ("printed", "registry", "field"),
    [
        ("Grade: A", "A", "grade"),
        ("Final grade:  Distinction", "Distinction", "grade"),
        ("Credential ID: CV-7KQ2-M9XD-4HPA-T3BN-R", "CV-7KQ2-M9XD-4HPA-T3BN-R", "credential_id"),
    ],
)
def test_a_printed_label_kept_by_the_reader_is_ignored(printed, registry, field):
    assert compare_exact(printed, registry, field=field).status == "match"


def test_a_label_does_not_hide_a_changed_grade():
    assert compare_exact("Grade: B", "A", field="grade").status == "mismatch"
