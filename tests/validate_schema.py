#!/usr/bin/env python3
"""Validates real reports written by the conveq binary against docs/report.schema.json.

Usage: validate_schema.py CONVEQ_BINARY SOURCE_DIR

Writes, into a temporary directory: compare reports (float32, float64, exact fill, a failing
one with zero tolerance, one with the determinism and batch-invariance checks, one on .npy
files with --expect), suite reports
(the smoke suite with --format json, a shard, suites with a failing and a mistrusted problem)
and check reports; every one must validate, and deliberately broken copies must not (so the
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

    kinds = {k: kind_validator(k) for k in ("compare_report", "suite_report", "check_report")}

    def kind_of(report):
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
        for name in sorted(os.listdir(tmp)):
            with open(path(name)) as f:
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
    for what, report in broken.items():
        rejected = not validator.is_valid(report)
        print(f"{'ok  ' if rejected else 'FAIL'} rejects {what}")
        if not rejected:
            failures.append(f"the schema accepts a {what}")

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
