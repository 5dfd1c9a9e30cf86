"""Portal forms for certificate designs: the template editor and its live preview."""

import json

from django import forms

from certificates.rendering.layout import DEFAULT_LAYOUT
from core.parsers import MAX_JSON_DEPTH, json_depth_exceeds


def layout_example() -> str:
    """A small starting layout: only what differs from the standard design needs to be given."""
    example = {
        "colors": dict(DEFAULT_LAYOUT["colors"]),
        "elements": {
            "heading": {"text": "Certificate of Achievement"},
            "recipient_name": {"y": 590, "size": 100},
        },
    }
    return json.dumps(example, indent=2)


def _image_field(label: str, help_text: str) -> forms.ImageField:
    """An optional PNG, JPEG or WebP upload, checked by certificates.designs.services when saved."""
    return forms.ImageField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    background = _image_field(
        "Background image",
        "PNG, JPEG or WebP, up to 8 MB; it is stretched to the canvas (2000 × 1414 by default). "
        "Leave empty for the standard engraved paper.",
    )
    remove_background = forms.BooleanField(label="Remove the current background", required=False)
    logo = _image_field(
        "Logo",
        "PNG (transparent is best), JPEG or WebP, up to 8 MB; fitted into the layout’s “logo” box.",
    )
    signature_image = _image_field(
        "Signature",
        "A scanned signature, drawn above the first signatory’s line; their name and role "
        "are set in the element panel (“signature 1”).",
    )
    signature_image_2 = _image_field(
        "Signature of signatory 2",
        "Drawn above the second signatory’s line (“Add a signatory” in the element panel).",
    )
    signature_image_3 = _image_field(
        "Signature of signatory 3",
        "Drawn above the third signatory’s line.",
    )
    image_1 = _image_field(
        "Image 1",
        "Another image (a partner’s logo, an accreditation mark), fitted into the “image 1” box "
        "(“Add an image” in the element panel).",
    )
    image_2 = _image_field(
        "Image 2",
        "Fitted into the “image 2” box.",
    )
    layout = forms.CharField(
        label="Layout (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "input--code-block"}),
        help_text="Only the settings that differ from the standard layout. Positions are canvas pixels; "
        "a text’s y is its baseline.",
    )

    def clean_layout(self) -> dict:
        text = self.cleaned_data["layout"].strip()
        if not text:
            return {}
        if json_depth_exceeds(text.encode()):
            raise forms.ValidationError(f"The layout nests more than {MAX_JSON_DEPTH} levels deep.")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"This is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("The layout must be a JSON object: { … }.")
        return value


class TemplatePreviewForm(forms.Form):
    """The template editor's current layout, and the images chosen but not yet saved, for the live
    preview (the files are checked like uploads by `template_services.preview_image`)."""

    layout = forms.CharField(required=False)
    remove_background = forms.BooleanField(required=False)

    def layout_value(self) -> dict | None:
        text = self.cleaned_data.get("layout") or "{}"
        if json_depth_exceeds(text.encode()):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None
