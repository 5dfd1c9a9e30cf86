"""The standalone proof checker against bundles anchored on a real in-process chain."""

import ast
import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import certificates.anchoring.proofcheck as proofcheck_module
from certificates.anchoring.chain import ChainClient
from certificates.anchoring.merkle import build_tree
from certificates.anchoring.proofcheck import FORMAT, check_bundle
from certificates.lifecycle.credential_ids import new_credential_id
from certificates.lifecycle.hashing import canonical_fields, content_hash


@pytest.fixture(scope="module")
def client():
    return ChainClient.embedded()


def certificate_fields(name: str) -> dict:
    return canonical_fields(
        credential_id=new_credential_id(),
        organization_slug="north-institute",
        recipient_name=name,
        recipient_email=f"{name.split()[0].lower()}@example.org",
        title="MSc Data Engineering",
        issue_date=dt.date(2025, 6, 30),
        expiry_date=None,
        grade="Distinction",
        metadata={"credits": 90, "honours": "Ünïcödé ✓"},
    )


def anchored_bundle(client: ChainClient, batch_size: int = 5, index: int = 2) -> dict:
    fields = [certificate_fields(f"Ada Lovelace {i}") for i in range(batch_size)]
    hashes = [content_hash(f) for f in fields]
    tree = build_tree(hashes)
    signed = client.send_root(tree.root)
    return {
        "format": FORMAT,
        "certificate": fields[index],
        "content_hash": hashes[index],
        "merkle": {
            "algorithm": "sha256",
            "leaf": tree.leaf(index),
            "proof": tree.proof(index),
            "root": tree.root,
        },
        "anchor": {
            "chain_id": client.chain_id,
            "genesis_hash": client.genesis_hash,
            "tx_hash": signed.tx_hash,
            "block_number": client.get_receipt(signed.tx_hash).block_number,
        },
        "issuer": {"slug": "north-institute", "name": "North Institute", "key_id": "k1"},
    }


def statuses(report) -> dict[str, str]:
    return {step.name: step.status for step in report.steps}


def test_genuine_anchored_bundle_passes_every_step(client):
    bundle = anchored_bundle(client)

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report) == {
        "format": "pass",
        "content_hash": "pass",
        "merkle_path": "pass",
        "chain": "pass",
        "transaction": "pass",
        "confirmations": "pass",
    }
    assert report.ok and report.exit_code == 0
    assert report.confirmations == 1


def test_checker_hashes_exactly_like_the_registry(client):
    fields = certificate_fields("Zoë Ångström")
    assert proofcheck_module.canonical_json(fields) == json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    bundle = anchored_bundle(client, batch_size=1, index=0)
    assert bundle["content_hash"] == content_hash(bundle["certificate"])


def test_changed_certificate_field_fails_the_content_hash(client):
    bundle = anchored_bundle(client)
    bundle["certificate"]["grade"] = "First Class"

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report)["content_hash"] == "fail"
    assert "details were changed" in report.steps[1].message
    assert report.exit_code == 1


def test_changed_field_with_recomputed_hash_fails_the_merkle_path(client):
    bundle = anchored_bundle(client)
    bundle["certificate"]["recipient_name"] = "Mallory"
    bundle["content_hash"] = content_hash(bundle["certificate"])
    bundle["merkle"].pop("leaf")

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report)["content_hash"] == "pass"
    assert statuses(report)["merkle_path"] == "fail"
    assert not report.ok


def test_tampered_proof_step_fails_the_merkle_path(client):
    bundle = anchored_bundle(client)
    step = bundle["merkle"]["proof"][0]
    step["position"] = "left" if step["position"] == "right" else "right"

    assert statuses(check_bundle(bundle, None, w3=client.w3))["merkle_path"] == "fail"


def test_forged_root_with_matching_proof_is_not_found_in_the_transaction(client):
    genuine = anchored_bundle(client)
    forged_fields = certificate_fields("Mallory")
    forged_hash = content_hash(forged_fields)
    forged_tree = build_tree([forged_hash])
    bundle = copy.deepcopy(genuine)
    bundle.update(certificate=forged_fields, content_hash=forged_hash)
    bundle["merkle"].update(leaf=forged_tree.leaf(0), proof=[], root=forged_tree.root)

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report)["merkle_path"] == "pass"
    assert statuses(report)["transaction"] == "fail"
    assert "does not carry the batch root" in report.steps[4].message


def test_unknown_transaction_fails(client):
    bundle = anchored_bundle(client)
    bundle["anchor"]["tx_hash"] = "0x" + "22" * 32

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report)["transaction"] == "fail"
    assert "does not exist" in report.steps[4].message


def test_anchor_on_another_chain_id_fails_the_chain_step(client):
    bundle = anchored_bundle(client)
    bundle["anchor"]["chain_id"] = 80002

    report = check_bundle(bundle, None, w3=client.w3)

    assert statuses(report)["chain"] == "fail"
    assert "transaction" not in statuses(report)


def test_same_chain_id_with_another_genesis_fails_the_chain_step(client):
    bundle = anchored_bundle(client)
    bundle["anchor"]["genesis_hash"] = "0x" + "33" * 32

    assert statuses(check_bundle(bundle, None, w3=client.w3))["chain"] == "fail"


def test_too_few_confirmations_fail_until_blocks_are_mined(client):
    bundle = anchored_bundle(client)

    assert statuses(check_bundle(bundle, None, w3=client.w3, min_confirmations=3))["confirmations"] == "fail"
    client.mine(2)
    report = check_bundle(bundle, None, w3=client.w3, min_confirmations=3)
    assert report.ok and report.confirmations == 3


def test_without_a_node_the_chain_steps_are_skipped_and_the_result_is_incomplete(client):
    report = check_bundle(anchored_bundle(client), None)

    assert [s.status for s in report.steps] == ["pass", "pass", "pass", "skip", "skip", "skip"]
    assert not report.ok and not report.failed and report.exit_code == 2


def test_unreachable_node_fails_the_chain_step(client):
    report = check_bundle(anchored_bundle(client), "http://127.0.0.1:9")

    assert statuses(report)["chain"] == "fail"
    assert "Could not reach" in report.steps[3].message


@pytest.mark.parametrize("bundle", [{}, {"format": "other/1"}, [], "text"])
def test_malformed_bundle_fails_the_format_step(bundle):
    report = check_bundle(bundle, None)

    assert [(s.name, s.status) for s in report.steps] == [("format", "fail")]


def test_checker_imports_only_the_standard_library_and_web3():
    tree = ast.parse(Path(proofcheck_module.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }

    assert imported - set(sys.stdlib_module_names) == {"web3"}


def test_checker_copied_out_of_the_project_runs_on_its_own(client, tmp_path):
    # What a third party does: take the one file, run it with nothing of CertVerify around it.
    checker = tmp_path / "proofcheck.py"
    shutil.copy(proofcheck_module.__file__, checker)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(anchored_bundle(client)))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}

    result = subprocess.run(
        [sys.executable, str(checker), str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2, result.stderr
    assert "[PASS] merkle_path" in result.stdout and "INCOMPLETE" in result.stdout


def test_command_prints_each_step_and_exits_nonzero_when_incomplete(client, tmp_path, settings, capsys):
    settings.CHAIN_RPC_URL = ""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(anchored_bundle(client)))

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_proof", str(path))

    assert excinfo.value.returncode == 2
    out = capsys.readouterr().out
    assert "[PASS] content_hash" in out and "[SKIP] chain" in out


def test_command_reports_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read the proof bundle"):
        call_command("verify_proof", str(tmp_path / "missing.json"), "--rpc", "http://127.0.0.1:9")


def test_command_json_output_is_machine_readable(client, tmp_path, settings, capsys):
    settings.CHAIN_RPC_URL = ""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(anchored_bundle(client)))

    with pytest.raises(CommandError):
        call_command("verify_proof", str(path), "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [s["status"] for s in report["steps"]] == ["pass", "pass", "pass", "skip", "skip", "skip"]
