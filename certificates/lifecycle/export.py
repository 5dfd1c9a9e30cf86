"""CSV export helpers shared by the API and the portal."""


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (a recipient named "=HYPERLINK(...)")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
