"""A JSON body nested past a sane depth is a 400, never a crash of the process (review I.1 class).

web3's py_ecc raises the recursion limit to 100,000, so Python's JSON parser recursed until the C
stack overflowed on an anonymous body of 100,000 "[" and the worker died with SIGSEGV. Each case
runs in a forked child so that the crash the test guards against cannot take pytest with it.
"""

import multiprocessing

import pytest
from rest_framework.test import APIClient

from core.parsers import MAX_JSON_DEPTH, json_depth_exceeds

pytestmark = pytest.mark.django_db(transaction=True)


def _post_in_child(path: str, body: bytes, queue) -> None:
    import web3  # noqa: F401  (what raises the recursion limit in a served process)

    response = APIClient().generic("POST", path, body, content_type="application/json")
    queue.put((response.status_code, response.json()["error"]["code"]))


def _post(path: str, body: bytes) -> tuple[int, str] | str:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_post_in_child, args=(path, body, queue))
    child.start()
    child.join(60)
    if child.exitcode != 0:
        child.kill()
        return f"child died with exit code {child.exitcode}"
    return queue.get(timeout=5)


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/verifications/"])
def test_an_anonymous_body_of_a_hundred_thousand_brackets_is_refused_not_a_crash(path):
    assert _post(path, b"[" * 100_000) == (400, "parse_error")


def test_a_body_at_the_depth_limit_is_parsed_and_one_level_deeper_is_refused():
    ok = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert not json_depth_exceeds(ok)
    assert json_depth_exceeds(b"[" + ok + b"]")


def test_brackets_inside_strings_do_not_count_toward_the_depth():
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 10_000 + b'\\"{"}')


def test_a_template_layout_nested_too_deep_is_a_form_error_not_a_crash():
    from certificates.designs.forms import TemplateForm, TemplatePreviewForm

    deep = "[" * 100_000
    form = TemplateForm(data={"name": "Deep", "layout": deep})
    assert not form.is_valid() and "levels deep" in form.errors["layout"][0]
    preview = TemplatePreviewForm(data={"layout": deep})
    assert preview.is_valid() and preview.layout_value() is None
