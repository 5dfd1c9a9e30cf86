"""What every operation of the OpenAPI schema says without each view repeating it.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- each operation gets the error responses it can give (400, 401, 403, 404, 409, 429), all in the
  one error shape of core/errors.py, with a real example body;
- an operation without a summary gets one, from the first line of its docstring or its id;
- schema properties get real examples by name ("Ada Lovelace", not "string");
- a request body is JSON where JSON is accepted, and required when it has required fields.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of every API error (core/errors.py).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string", "example": "Some fields are invalid."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"issue_date": ["Date has wrong format. Use YYYY-MM-DD."]},
                },
            },
            "required": ["code", "message"],
        },
        "request_id": {"type": "string", "nullable": True, "example": "3f1c2b9e8d7a4c6b9a0e1f2d3c4b5a69"},
    },
    "required": ["error"],
}

# status: (description, example code, example message, example fields)
ERRORS = {
    "400": (
        "Invalid request: `error.fields` names each bad field.",
        "validation_error",
        "Some fields are invalid.",
        {"issue_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    ),
    "401": (
        "No or bad credentials.",
        "not_authenticated",
        "Authentication credentials were not provided.",
        None,
    ),
    "403": (
        "Signed in, but the role does not allow this.",
        "permission_denied",
        "This needs the issuer role.",
        None,
    ),
    "404": ("No such object among those the caller may see.", "not_found", "Not found.", None),
    "409": (
        "The request conflicts with the current state (e.g. an external_id issued before with other data).",
        "external_id_conflict",
        "external_id '2026-MSC-0001' was issued before as CV-KVZV-YW4B-W4VT-RRDX-P with different title.",
        {"title": ["Issued with 'MSc Computer Science'; this request sends 'MSc Mathematics'."]},
    ),
    "429": (
        "Too many requests; retry after the Retry-After header's seconds.",
        "throttled",
        "Request was throttled.",
        None,
    ),
}

CREDENTIAL_ID = "CV-KVZV-YW4B-W4VT-RRDX-P"
VERIFICATION_ID = "5d1e7c3a-8f2b-4c6d-9e0a-1b2c3d4e5f60"
ACCESS_TOKEN = "q3Zr8LkV0pXw2N5bT7yHc4Jm"
EXAMPLES = {
    "recipient_name": "Ada Lovelace",
    "recipient_email": "ada@example.edu",
    "title": "MSc Computer Science",
    "issue_date": "2026-06-30",
    "expiry_date": "2031-06-30",
    "grade": "Distinction",
    "external_id": "2026-MSC-0001",
    "organization": "northwind-university",
    "organization_slug": "northwind-university",
    "credential_id": CREDENTIAL_ID,
    "metadata": {"student_number": "S1815"},
    "template": 3,
    "content_hash": "9b74c9897bac770ffc029102a200c5de6a5b8d1f1c2e4a5b7c9d0e1f2a3b4c5d",
    "url": f"https://certverify.example/verify/{CREDENTIAL_ID}/",
    "image_url": f"https://certverify.example/api/v1/certificates/{CREDENTIAL_ID}/image/",
    "pdf_url": f"https://certverify.example/api/v1/certificates/{CREDENTIAL_ID}/pdf/",
    "status_url": f"https://certverify.example/api/v1/verifications/{VERIFICATION_ID}/?token={ACCESS_TOKEN}",
    "access_token": ACCESS_TOKEN,
    "artifacts": {
        "ela_heatmap": f"https://certverify.example/api/v1/verifications/{VERIFICATION_ID}/artifacts/ela/ela_heatmap/"
    },
    "reason": "Plagiarism found in the final project",
    "status_reason": "Plagiarism found in the final project",
    "file_name": "msc-cohort-2026.xlsx",
    "date_order": "dmy",
    "column_map": {"Full Name": "recipient_name", "Course": "title", "Notes": ""},
    "name": "Northwind University",
    "slug": "northwind-university",
    "email": "registrar@northwind.example",
    "tx_hash": "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
    "merkle_root": "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce",
}


def _error_response(status: str) -> dict:
    description, code, message, fields = ERRORS[status]
    example = {"error": {"code": code, "message": message}, "request_id": "3f1c2b9e8d7a4c6b9a0e1f2d3c4b5a69"}
    if fields:
        example["error"]["fields"] = fields
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}
        },
    }


def _statuses(path: str, method: str, operation: dict) -> list[str]:
    anonymous = {} in operation.get("security", [{}])
    write = method in ("post", "put", "patch", "delete")
    statuses = ["400"]
    if not anonymous:
        statuses += ["401", "403"]
    if "{" in path or write:
        statuses.append("404")
    if write:
        statuses.append("409")
    return statuses + ["429"]


def _summary(operation: dict) -> str:
    description = (operation.get("description") or "").strip()
    if description:
        return description.split("\n", 1)[0].split(". ", 1)[0].rstrip(".")[:120]
    return operation.get("operationId", "").replace("_", " ").capitalize()


def _add_examples(schema: dict) -> None:
    for name, prop in (schema.get("properties") or {}).items():
        if name in EXAMPLES and "example" not in prop and "$ref" not in prop and "allOf" not in prop:
            prop["example"] = EXAMPLES[name]


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_body(operation: dict, components: dict) -> None:
    """JSON is the API's body format: where an operation takes JSON, the form encodings DRF also
    parses are left out (a generated client then has one body type). A body whose schema has
    required properties is itself required."""
    body = operation.get("requestBody")
    if not body:
        return
    if "application/json" in body.get("content", {}):
        for form in FORM_TYPES:
            body["content"].pop(form, None)
    if "required" in body:
        return
    for content in body.get("content", {}).values():
        ref = content.get("schema", {}).get("$ref", "")
        if components.get(ref.rsplit("/", 1)[-1], {}).get("required"):
            body["required"] = True
            return


def error_responses_and_examples(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for schema in components.values():
        _add_examples(schema)
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation.setdefault("summary", _summary(operation))
            _request_body(operation, components)
            for status in _statuses(path, method, operation):
                operation["responses"].setdefault(status, _error_response(status))
    return result
