"""Imports go one way: core below every app, each app below the ones listed after it in APPS (so
fraud below verification), portal pages beside (not on top of) the REST layer, and other apps
reach certificates through its public face.

Every module is parsed with `ast` (nothing is imported), so a function-level import counts too.
See docs/architecture.md for the picture these rules enforce.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Bottom to top: an app may import the apps before it, never one after it (config wires them all).
APPS = (
    "core",
    "accounts",
    "organizations",
    "billing",
    "webhooks",
    "certificates",
    "credentials",
    "holders",
    "fraud",
    "verification",
)
# Imports up the stack that are meant, each with its reason.
UPWARD_ALLOWED: dict[tuple[str, str], str] = {
    ("accounts.views", "organizations.portal"): (
        "accounts' own portal pages (profile, security) render inside the organization portal"
    ),
    ("organizations.services", "billing.usage"): (
        "inviting a member and creating an API key are counted by the one usage service"
    ),
    ("organizations.services", "billing.models"): ("the usage metric's name (billing.models.Metric)"),
    ("organizations.identity", "billing.usage"): ("proving a custom domain is a plan feature"),
    ("accounts.services", "organizations.services"): (
        "closing an account first asks memberships whether it leaves an organization without an owner"
    ),
}
SKIPPED_DIRS = {".venv", "node_modules", "__pycache__", ".git", "static"}
PAGE_MODULES = {"portal", "views", "portal_views", "public_pages", "report_pages"}
REST_PARTS = {"rest", "serializers", "rest_urls"}
# What other apps may import from certificates: its Python face, its models and its errors.
CERTIFICATES_FACE = ("certificates.api", "certificates.models", "certificates.errors")

# Other apps' imports of certificates internals that remain, each with the reason it remains
# ((importer, imported module): reason). None remain: add a function to certificates.api instead.
CERTIFICATES_INTERNALS_ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    line: int
    star: bool = False

    def __str__(self) -> str:
        star = " (import *)" if self.star else ""
        return f"{self.importer}:{self.line} imports {self.target}{star}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_files() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module a (possibly relative) `from … import` names."""
    if not node.level:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path) -> list[Import]:
    importer, found = module_name(path), []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(importer, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += from_imports(node, importer, path.name == "__init__.py")
    return found


def from_imports(node: ast.ImportFrom, importer: str, is_package: bool) -> list[Import]:
    """One Import per module named: `from certificates import rest_urls` names certificates.rest_urls."""
    target = absolute(node, importer, is_package)
    targets = []
    for alias in node.names:
        submodule = f"{target}.{alias.name}"
        targets.append(submodule if alias.name != "*" and is_module(submodule) else target)
    star = any(alias.name == "*" for alias in node.names)
    return [Import(importer, name, node.lineno, star and name == target) for name in dict.fromkeys(targets)]


ALL_IMPORTS = [imp for path in python_files() for imp in imports_of(path)]


def app_of(module: str) -> str:
    return module.split(".")[0]


def is_page_module(module: str) -> bool:
    parts = module.split(".")
    return app_of(module) in APPS and parts[-1] in PAGE_MODULES and "api" not in parts


def is_rest_module(module: str) -> bool:
    """A DRF module: serializers, rest views and routes, or anything in an app's `api/` package."""
    parts = module.split(".")
    if REST_PARTS.intersection(parts[1:]):
        return True
    # `certificates.api` is a module (the Python face); `verification.api` is the DRF package.
    return "api" in parts[1:] and (ROOT.joinpath(*parts[: parts.index("api") + 1]) / "__init__.py").is_file()


def violations(rule) -> list[str]:
    return [str(imp) for imp in ALL_IMPORTS if rule(imp)]


def core_imports_an_app(imp: Import) -> bool:
    return app_of(imp.importer) == "core" and app_of(imp.target) in APPS and app_of(imp.target) != "core"


def imports_an_app_above_it(imp: Import) -> bool:
    importer, target = app_of(imp.importer), app_of(imp.target)
    upward = importer in APPS and target in APPS and APPS.index(target) > APPS.index(importer)
    return upward and (imp.importer, imp.target) not in UPWARD_ALLOWED


def fraud_imports_verification(imp: Import) -> bool:
    return app_of(imp.importer) == "fraud" and app_of(imp.target) == "verification"


def page_imports_rest(imp: Import) -> bool:
    return is_page_module(imp.importer) and is_rest_module(imp.target)


def reaches_into_certificates(imp: Import) -> bool:
    outsider = app_of(imp.importer) in APPS and app_of(imp.importer) != "certificates"
    internal = app_of(imp.target) == "certificates" and imp.target not in ("certificates", *CERTIFICATES_FACE)
    return outsider and internal and (imp.importer, imp.target) not in CERTIFICATES_INTERNALS_ALLOWED


def star_outside_settings(imp: Import) -> bool:
    # A settings module extends another with `from config.settings.test import *` (Django's way).
    is_settings = imp.importer.startswith("config.settings") or imp.importer.endswith("settings")
    return imp.star and not is_settings


def test_the_scan_sees_the_codebase():
    assert len(ALL_IMPORTS) > 500 and any(imp.importer == "core.errors" for imp in ALL_IMPORTS)


def test_the_rules_catch_imports_the_wrong_way():
    assert core_imports_an_app(Import("core.portal", "organizations.models", 1))
    assert fraud_imports_verification(Import("fraud.runner", "verification.models", 1))
    assert imports_an_app_above_it(Import("webhooks.services", "certificates.models", 1))
    assert not imports_an_app_above_it(Import("certificates.lifecycle.services", "webhooks.services", 1))
    assert page_imports_rest(Import("verification.public_pages", "verification.api.serializers", 1))
    assert page_imports_rest(Import("certificates.lifecycle.portal", "certificates.lifecycle.serializers", 1))
    assert not page_imports_rest(Import("verification.public_pages", "certificates.api", 1))
    assert reaches_into_certificates(Import("fraud.context", "certificates.rendering.qr", 1))
    assert not reaches_into_certificates(Import("fraud.context", "certificates.api", 1))
    assert star_outside_settings(Import("certificates.admin", "certificates.models", 1, star=True))


@pytest.mark.parametrize(
    "rule",
    [
        core_imports_an_app,
        fraud_imports_verification,
        imports_an_app_above_it,
        page_imports_rest,
        reaches_into_certificates,
    ],
    ids=lambda rule: rule.__name__,
)
def test_imports_go_one_way(rule):
    assert violations(rule) == []


def test_no_import_star_outside_settings():
    assert violations(star_outside_settings) == []
