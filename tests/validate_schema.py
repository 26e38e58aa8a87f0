#!/usr/bin/env python3
"""Validates real reports written by the conveq binary against docs/report.schema.json.

Usage: validate_schema.py CONVEQ_BINARY SOURCE_DIR

Writes, into a temporary directory: compare reports (float32, float64, float16, bfloat16, exact fill, a failing
one with zero tolerance, one with the determinism and batch-invariance checks, one on .npy
files with --expect), suite reports
(the smoke suite with --format json, a shard, suites with a failing and a mistrusted problem,
--compact, JSON Lines reports line by line, merged shards) and check reports; every one must validate, and deliberately broken copies must not (so the
schema is known to be strict).
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema


def conveq(binary, *args, expect):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode not in expect:
        sys.exit(f"conveq {' '.join(args)}: exit {result.returncode}, expected {expect}\n"
                 f"{result.stderr}")
    return result.stdout


def main():
    binary, source = sys.argv[1], sys.argv[2]
    with open(os.path.join(source, "docs", "report.schema.json")) as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    # The root's oneOf says only "not valid under any"; validating against the one kind the
    # document claims to be names the offending field.
    def kind_validator(kind):
        narrowed = {k: v for k, v in schema.items() if k != "oneOf"}
        narrowed["$ref"] = f"#/$defs/{kind}"
        return validator_class(narrowed)

    kinds = {k: kind_validator(k) for k in ("compare_report", "suite_report", "check_report",
                                             "jsonl_header", "jsonl_problem", "jsonl_summary")}

    def kind_of(report):
        if "record" in report:
            return "jsonl_" + str(report["record"])
        if "comparisons" in report:
            return "compare_report"
        return "suite_report" if "problems" in report else "check_report"

    smoke = os.path.join(source, "data", "suites", "smoke")
    failing = os.path.join(source, "tests", "data", "suites", "failing")
    mistrusted = os.path.join(source, "tests", "data", "suites", "mistrusted")
    quick = ["--warmup", "0", "--repeat", "1"]
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        def path(name):
            return os.path.join(tmp, name)

        conveq(binary, "compare", "--in", "16", "--out", "24", "--length", "100", *quick,
               "--report", path("compare.json"), expect={0})
        conveq(binary, "compare", "--in", "8", "--out", "8", "--height", "9", "--width", "7",
               "--kernel", "3", "--dtype", "float64", "--no-bias", *quick,
               "--report", path("float64.json"), expect={0})
        # Zero tolerance on rounding differences: failed comparisons with worst mismatches.
        conveq(binary, "compare", "--in", "32", "--out", "8", "--length", "40", "--kernel", "3",
               "--atol", "0", "--rtol", "0", *quick, "--report", path("failing.json"),
               expect={1})
        conveq(binary, "compare", "--in", "8", "--out", "8", "--length", "40", "--fill", "exact",
               "--paths", "conv1d/naive,linear/gemm", *quick, "--report", path("exact.json"),
               expect={0})
        # float16 and bfloat16 working dtypes, both accumulations (problem.accumulation).
        conveq(binary, "compare", "--in", "8", "--out", "8", "--length", "40", "--kernel", "3",
               "--dtype", "float16", *quick, "--report", path("float16.json"), expect={0})
        conveq(binary, "compare", "--in", "8", "--out", "8", "--length", "40", "--kernel", "3",
               "--dtype", "bfloat16", "--accumulate", "same", *quick,
               "--report", path("bfloat16_same.json"), expect={0})  # tolerance running_error_bound
        conveq(binary, "compare", "--batch", "2", "--in", "8", "--out", "4", "--length", "30",
               "--kernel", "3", "--check-determinism", "--check-batch-invariance", *quick,
               "--report", path("determinism.json"), expect={0, 1})
        # Every library named (LibTorch is opt-in), with its backend entries and --backends.
        conveq(binary, "compare", "--in", "8", "--out", "8", "--length", "30",
               "--backends", "onednn,xnnpack,torch", *quick, "--report", path("backends.json"),
               expect={0})
        conveq(binary, "compare", "--in", "8", "--out", "8", "--length", "30", "--backends",
               "none", *quick, "--report", path("own_only.json"), expect={0})
        # Tensors from .npy files (the PyTorch goldens), with an external output to check.
        golden = os.path.join(source, "data", "goldens", "conv1d_k3_same")
        conveq(binary, "compare", "--padding", "same", *quick,
               *[arg for name, option in (("input", "--input"), ("weight", "--weight"),
                                          ("bias", "--bias"), ("output", "--expect"))
                 for arg in (option, os.path.join(golden, name + ".npy"))],
               "--report", path("files.json"), expect={0})
        # Emulated TF32 output (scripts/make_precision_fixtures.py): failed for its precision,
        # then accepted knowingly.
        precision = os.path.join(source, "tests", "data", "precision")
        tf32 = [arg for name in ("input", "weight", "bias")
                for arg in ("--" + name, os.path.join(precision, name + ".npy"))]
        tf32 += ["--padding", "4", "--expect", os.path.join(precision, "expect_tf32.npy")]
        conveq(binary, "compare", *tf32, *quick, "--report", path("reduced.json"), expect={1})
        conveq(binary, "compare", *tf32, "--allow-reduced-precision", "tf32", *quick,
               "--report", path("reduced_allowed.json"), expect={0})
        with open(path("smoke.json"), "w") as out:
            out.write(conveq(binary, "run", smoke, "--format", "json", expect={0}))
        conveq(binary, "run", failing, "--report", path("suite_failing.json"), expect={1})
        conveq(binary, "run", mistrusted, "--report", path("suite_mistrusted.json"), expect={3})
        conveq(binary, "run", smoke, "--shard", "2/3", "--filter", "1d",
               "--report", path("shard.json"), expect={0})
        conveq(binary, "check", path("smoke.json"), "--baseline", path("smoke.json"),
               "--report", path("check.json"), expect={0})
        conveq(binary, "check", path("shard.json"), "--baseline", path("smoke.json"), "--subset",
               "--max-slowdown", "1.01", "--min-time-ms", "0", "--report",
               path("check_rows.json"), expect={0, 1})
        # conveq model: a test-data directory (stored outputs) with saved tensors, and a model
        # on generated data; skipped when conveq was built without ONNX.
        models = os.path.join(source, "tests", "data", "models")
        probe = subprocess.run([binary, "model", os.path.join(models, "cnn2d.onnx"), *quick,
                                "--report", path("model_cnn2d.json")], capture_output=True,
                               text=True)
        if "built without ONNX" in probe.stderr:
            print("note: conveq was built without ONNX; the model reports went unexercised")
        elif probe.returncode != 0:
            sys.exit(f"conveq model cnn2d.onnx: exit {probe.returncode}\n{probe.stderr}")
        else:
            conveq(binary, "model", os.path.join(models, "single_conv1d"), *quick,
                   "--save-model-tensors", path("tensors"), "--report",
                   path("model_test_data.json"), expect={0})
        # JSON Lines (every line validated on its own), --compact, and merged shards.
        conveq(binary, "run", failing, "--report", path("failing.jsonl"), "--compact",
               expect={1})
        conveq(binary, "run", smoke, "--compact", "--report", path("compact.json"), expect={0})
        for shard in ("1/2", "2/2"):
            conveq(binary, "run", smoke, "--shard", shard, "--report",
                   path(f"shard{shard[0]}.jsonl"), expect={0})
        conveq(binary, "merge", path("shard1.jsonl"), path("shard2.jsonl"), "-o",
               path("merged.json"), expect={0})
        conveq(binary, "merge", path("shard1.jsonl"), path("shard2.jsonl"), "-o",
               path("merged_lines.jsonl"), expect={0})
        for name in sorted(os.listdir(tmp)):
            if not name.endswith((".json", ".jsonl")):
                continue
            with open(path(name)) as f:
                if name.endswith(".jsonl"):
                    for number, line in enumerate(f, 1):
                        reports[f"{name}:{number}"] = json.loads(line)
                else:
                    reports[name] = json.load(f)

    failures = []
    for name, report in reports.items():
        errors = sorted(kinds[kind_of(report)].iter_errors(report),
                        key=lambda e: list(map(str, e.absolute_path)))
        for error in errors[:5]:
            deepest = jsonschema.exceptions.best_match([error])
            failures.append(f"{name}: at /{'/'.join(map(str, deepest.absolute_path))}: "
                            f"{deepest.message[:300]}")
        assert validator.is_valid(report) == (not errors)
        print(f"{'ok  ' if not errors else 'FAIL'} {name} ({kind_of(report)})")

    # The schema must reject what the code must never write.
    broken = {}
    r = copy.deepcopy(reports["compare.json"])
    r["unexpected_field"] = 1
    broken["compare report with an unknown field"] = r
    r = copy.deepcopy(reports["compare.json"])
    del r["comparisons"][0]["status"]
    broken["comparison without status"] = r
    r = copy.deepcopy(reports["smoke.json"])
    r["problems"][0]["error"] = "both a report and an error"
    broken["suite entry with report and error"] = r
    r = copy.deepcopy(reports["smoke.json"])
    del r["summary"]["failed"]
    broken["suite summary without failed"] = r
    r = copy.deepcopy(reports["compare.json"])
    r["schema_version"] = 2
    broken["another schema version"] = r
    with_backend = [i for i, p in enumerate(reports["compare.json"]["paths"]) if "backend" in p]
    if with_backend:
        r = copy.deepcopy(reports["compare.json"])
        del r["paths"][with_backend[0]]["backend"]["implementation"]
        broken["backend without implementation"] = r
    if "model_test_data.json" in reports:
        r = copy.deepcopy(reports["model_test_data.json"])
        del r["problems"][0]["model_node"]["pads"]
        broken["model node without pads"] = r
        r = copy.deepcopy(reports["model_test_data.json"])
        r["model"]["sha256"] = "not a digest"
        broken["model without a sha256"] = r

    r = copy.deepcopy(reports["compare.json"])
    del r["comparisons"][0]["ulp_histogram"]
    broken["comparison without its histogram"] = r
    r = copy.deepcopy(reports["compact.json"])
    del r["problems"][0]["detail"]
    broken["compact entry not marked compact"] = r
    r = copy.deepcopy(reports["failing.jsonl:1"])
    del r["suite"]["sha256"]
    broken["JSON Lines header without suite.sha256"] = r
    r = copy.deepcopy(reports["failing.jsonl:2"])
    r["record"] = "summary"
    broken["JSON Lines problem marked as the summary"] = r
    for what, report in broken.items():
        rejected = not validator.is_valid(report)
        print(f"{'ok  ' if rejected else 'FAIL'} rejects {what}")
        if not rejected:
            failures.append(f"the schema accepts a {what}")

    if not any(c["precision"]["nearest_format"] for c in reports["reduced.json"]["comparisons"]):
        failures.append("reduced.json: no reduced comparison; its schema went unexercised")
    compact = [e for e in reports["compact.json"]["problems"] if e.get("detail") == "compact"]
    if not compact or any("ulp_histogram" in c for e in compact
                          for c in e["report"]["comparisons"]):
        failures.append("compact.json: no compact entry, or one with a histogram")
    if not any("detail" not in e for l, e in reports.items() if l.startswith("failing.jsonl:")
               and e.get("record") == "problem" and e["status"] == "failed"):
        failures.append("failing.jsonl: the failed problem was not kept whole by --compact")
    if "merged_from" not in reports["merged.json"]["suite"]:
        failures.append("merged.json: no suite.merged_from; its schema went unexercised")

    if "inputs" not in reports["files.json"]:
        failures.append("files.json: no inputs; its schema went unexercised")
    for field in ("determinism", "batch_invariance"):
        if reports["determinism.json"][field] is None:
            failures.append(f"determinism.json: {field} is null; its schema went unexercised")
    if not with_backend:
        print("note: compare.json has no backend path (built without oneDNN); the backend "
              "schema went unexercised")
    if reports["check_rows.json"]["rows"] == []:
        print("note: check_rows.json has no rows; its row schema went unexercised")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    main()
