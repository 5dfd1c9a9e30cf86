"""A template's language: the certificate's fixed words and its dates, in English, Hindi, Spanish,
French, Arabic or Chinese.

A layout says ``"language"`` (default ``en``) and ``"date_format"``: ``iso`` (2026-06-30, the
default: unambiguous for people and for the fraud pipeline's OCR), ``long`` (30 June 2026 in the
language), ``dmy`` (30/06/2026) or ``mdy`` (06/30/2026). A fixed word that the layout leaves at
its English default is printed in the language; a text the issuer wrote is printed as written.
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = {"en": "English", "hi": "हिन्दी", "es": "Español", "fr": "Français", "ar": "العربية", "zh": "中文"}
DATE_FORMATS = ("iso", "long", "dmy", "mdy")

# English default -> the same words per language.
WORDS = {
    "Certificate of Completion": {
        "hi": "पूर्णता प्रमाणपत्र",
        "es": "Certificado de finalización",
        "fr": "Certificat de réussite",
        "ar": "شهادة إتمام",
        "zh": "结业证书",
    },
    "This is to certify that": {
        "hi": "यह प्रमाणित किया जाता है कि",
        "es": "Se certifica que",
        "fr": "Nous certifions que",
        "ar": "نشهد بأن",
        "zh": "兹证明",
    },
    "has successfully completed": {
        "hi": "ने सफलतापूर्वक पूरा किया है",
        "es": "ha completado con éxito",
        "fr": "a suivi avec succès",
        "ar": "قد أتمّ بنجاح",
        "zh": "已成功完成",
    },
    "Grade: ": {"hi": "ग्रेड: ", "es": "Calificación: ", "fr": "Mention : ", "ar": "التقدير: ", "zh": "成绩："},
    "Issued: ": {
        "hi": "जारी: ",
        "es": "Emitido: ",
        "fr": "Délivré le : ",
        "ar": "تاريخ الإصدار: ",
        "zh": "颁发日期：",
    },
    "Valid until: ": {
        "hi": "मान्य तिथि तक: ",
        "es": "Válido hasta: ",
        "fr": "Valable jusqu’au : ",
        "ar": "صالحة حتى: ",
        "zh": "有效期至：",
    },
    "Credential ID: ": {
        "hi": "प्रमाणपत्र आईडी: ",
        "es": "ID de credencial: ",
        "fr": "Identifiant : ",
        "ar": "رقم الشهادة: ",
        "zh": "证书编号：",
    },
    "Scan to verify": {
        "hi": "सत्यापन के लिए स्कैन करें",
        "es": "Escanee para verificar",
        "fr": "Scannez pour vérifier",
        "ar": "امسح للتحقق",
        "zh": "扫码验证",
    },
    "Authorized signature": {
        "hi": "अधिकृत हस्ताक्षर",
        "es": "Firma autorizada",
        "fr": "Signature autorisée",
        "ar": "التوقيع المعتمد",
        "zh": "授权签名",
    },
}

MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "hi": "जनवरी फ़रवरी मार्च अप्रैल मई जून जुलाई अगस्त सितंबर अक्टूबर नवंबर दिसंबर".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split(),
}


def word(text: str, language: str) -> str:
    """A fixed word in the language; anything else (a text the issuer wrote) as it is."""
    return WORDS.get(text, {}).get(language, text)


def format_date(date: dt.date, date_format: str, language: str = "en") -> str:
    if date_format == "dmy":
        return f"{date.day:02d}/{date.month:02d}/{date.year}"
    if date_format == "mdy":
        return f"{date.month:02d}/{date.day:02d}/{date.year}"
    if date_format != "long":
        return date.isoformat()
    if language == "zh":
        return f"{date.year}年{date.month}月{date.day}日"
    month = MONTHS.get(language, MONTHS["en"])[date.month - 1]
    if language == "es":
        return f"{date.day} de {month} de {date.year}"
    if language == "fr":
        return f"{'1er' if date.day == 1 else date.day} {month} {date.year}"
    return f"{date.day} {month} {date.year}"
