#!/usr/bin/env python3
"""The CI formats of `conveq run` end to end, with the real binary (docs/ci.md):

- --junit: validated against tests/data/junit-10.xsd with xmllint (libxml2-utils), one
  testcase per problem, the failed one a <failure> with its verdict and repro command;
  `conveq show --format junit` of a report with control characters and markup in its texts
  still validates; a broken document does not (the XSD is strict).
- --github-annotations: one ::error line per failed problem, escaped.
- --shard auto: the environment of each engine selects what --shard I/N selects; a missing or
  garbage value is exit 2 with one line naming the variable.
- merge: four shards of the smoke suite (JSON and JSON Lines) merged equal the unsharded run's
  problems (timings and hosts removed) and pass `check` against it; overlaps, missing shards,
  other options and other suites are refused (exit 2), naming the reason.
- JSON Lines: a killed run leaves REPORT.partial with its finished problems, readable by
  `show`, refused by `check` and `merge`, and no REPORT.
- --compact: tiny problems take under 4000 bytes each (issue 16's 40 MB for 10,000).

Usage: ci_formats_test.py CONVEQ_BINARY SOURCE_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

failures = []


def expect(condition, what):
    print(f"{'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        failures.append(what)


def conveq(binary, *args, status, env=None):
    result = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    if result.returncode not in status:
        sys.exit(f"conveq {' '.join(args)}: exit {result.returncode}, expected {status}\n"
                 f"{result.stderr}")
    return result


def xsd_valid(xsd, document):
    result = subprocess.run(["xmllint", "--noout", "--schema", xsd, document],
                            capture_output=True, text=True)
    return result.returncode == 0, result.stderr


def without_timings(value):
    """A report's problems with what differs between two runs of the same problems removed."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items()
                if k not in ("seconds", "timing", "gflops", "host", "date", "threads_used")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def read_report(path):
    with open(path) as f:
        if not path.endswith(".jsonl"):
            return json.load(f)
        lines = [json.loads(line) for line in f]
    problems = [dict((k, v) for k, v in p.items() if k != "record") for p in lines[1:-1]]
    return {"suite": lines[0]["suite"], "problems": problems, "summary": lines[-1]["summary"]}


def test_junit(binary, source, tmp):
    xsd = os.path.join(source, "tests", "data", "junit-10.xsd")
    failing = os.path.join(source, "tests", "data", "suites", "failing")
    junit = os.path.join(tmp, "failing.xml")
    report = os.path.join(tmp, "failing.json")
    run = conveq(binary, "run", failing, "--junit", junit, "--report", report,
                 "--github-annotations", status={1})
    valid, errors = xsd_valid(xsd, junit)
    expect(valid, f"--junit validates against junit-10.xsd {errors}")
    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    expect([c.get("name") for c in cases] == ["passes", "zero_tolerance", "also_passes"],
           "one testcase per problem, in suite order")
    failed = [c for c in cases if c.find("failure") is not None]
    expect([c.get("name") for c in failed] == ["zero_tolerance"], "the failed problem fails")
    failure = failed[0].find("failure") if failed else None
    expect(failure is not None and "repro: conveq compare" in (failure.text or "")
           and failure.get("message", "").strip() != "",
           "the failure holds the verdict and the repro command")
    suite = root.find("testsuite")
    expect(suite.get("tests") == "3" and suite.get("failures") == "1", "testsuite counts")

    annotations = [l for l in run.stdout.splitlines() if l.startswith("::")]
    expect(len(annotations) == 1 and annotations[0].startswith("::error file=")
           and ",line=" in annotations[0] and "zero_tolerance" in annotations[0]
           and "%0Arepro: conveq compare" in annotations[0],
           f"one ::error annotation for the failed problem: {annotations}")

    # Texts no XML 1.0 document may hold raw, through `show --format junit`.
    with open(report) as f:
        data = json.load(f)
    data["problems"][1]["name"] = "bad\x01name<&>\"'\x7f"
    data["problems"][1]["report"]["verdict"]["summary"] = "tab\tnul\x00 esc\x1b \u00e9 ]]>"
    data["problems"][0]["status"] = "mistrusted"
    crafted = os.path.join(tmp, "crafted.json")
    with open(crafted, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    shown = os.path.join(tmp, "crafted.xml")
    with open(shown, "w") as out:
        result = subprocess.run([binary, "show", crafted, "--format", "junit"], stdout=out,
                                stderr=subprocess.PIPE, text=True)
    expect(result.returncode == 0, f"show --format junit reads it: {result.stderr.strip()}")
    valid, errors = xsd_valid(xsd, shown)
    expect(valid, f"escaped control characters and markup validate {errors}")
    root = ET.parse(shown).getroot()
    names = [c.get("name") for c in root.findall("./testsuite/testcase")]
    expect(names[1] == "bad\\x01name<&>\"'\x7f", f"the name survives escaped: {names[1]!r}")
    expect(root.find("testsuite").get("failures") == "2", "mistrusted counts as a failure")

    # The XSD rejects what CI systems would: a testcase without a name.
    broken = os.path.join(tmp, "broken.xml")
    with open(junit) as f:
        text = f.read()
    with open(broken, "w") as f:
        f.write(text.replace('<testcase name="passes"', "<testcase", 1))
    expect(not xsd_valid(xsd, broken)[0], "the XSD rejects a testcase without a name")

    # Outputs are checked before the run: one file cannot be two outputs.
    same = os.path.join(tmp, "same.json")
    result = conveq(binary, "run", failing, "--report", same, "--junit",
                    os.path.join(tmp, ".", "same.json"), status={0, 1, 2})
    expect(result.returncode == 2 and "is also --report" in result.stderr
           and not os.path.exists(same), f"--junit may not be the report: {result.stderr.strip()}")


def shard_list(binary, smoke, *args, env=None):
    return conveq(binary, "run", smoke, "--list", *args, status={0, 2}, env=env)


def test_model_junit(binary, source, tmp):
    """conveq model --junit: one testcase per node run, valid against the same XSD."""
    xsd = os.path.join(source, "tests", "data", "junit-10.xsd")
    model = os.path.join(source, "tests", "data", "models", "speech_conv1d.onnx")
    junit = os.path.join(tmp, "model.xml")
    probe = subprocess.run([binary, "model", model, "--repeat", "1", "--warmup", "0", "--junit",
                            junit], capture_output=True, text=True)
    if "built without ONNX" in probe.stderr:
        print("note: conveq was built without ONNX; model --junit went unchecked")
        return
    expect(probe.returncode == 0, f"conveq model --junit passes: {probe.stderr.strip()}")
    valid, errors = xsd_valid(xsd, junit)
    expect(valid, f"model --junit validates against junit-10.xsd {errors}")
    cases = ET.parse(junit).getroot().findall("./testsuite/testcase")
    expect([c.get("name") for c in cases] ==
           ["/pointwise/Conv", "/depthwise/Conv", "/dilated/Conv", "/same_even/Conv",
            "/strided/Conv"], f"one testcase per node: {[c.get('name') for c in cases]}")


def test_shard_auto(binary, source):
    smoke = os.path.join(source, "data", "suites", "smoke")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CONVEQ_SHARD", "SLURM_ARRAY", "JOB_COMPLETION"))}
    expected = shard_list(binary, smoke, "--shard", "3/4").stdout
    engines = {
        "CONVEQ_SHARD_INDEX/COUNT": ({"CONVEQ_SHARD_INDEX": "3", "CONVEQ_SHARD_COUNT": "4"}, []),
        "Kubernetes": ({"JOB_COMPLETION_INDEX": "2"}, ["--shard-count", "4"]),
        "Slurm from 0": ({"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, []),
        "Slurm from 5, step 2": ({"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4",
                                  "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_STEP": "2"}, []),
    }
    for name, (variables, args) in engines.items():
        result = shard_list(binary, smoke, "--shard", "auto", *args, env={**base, **variables})
        expect(result.returncode == 0 and result.stdout == expected,
               f"--shard auto under {name} selects shard 3/4 {result.stderr.strip()}")
    refused = {
        "JOB_COMPLETION_INDEX": ({"JOB_COMPLETION_INDEX": "x1"}, ["--shard-count", "4"]),
        "--shard-count": ({"JOB_COMPLETION_INDEX": "1"}, []),
        "SLURM_ARRAY_TASK_COUNT": ({"SLURM_ARRAY_TASK_ID": "1"}, []),
        "only CONVEQ_SHARD_COUNT shards": ({"CONVEQ_SHARD_INDEX": "5",
                                            "CONVEQ_SHARD_COUNT": "4"}, []),
        "no shard in the environment": ({}, []),
    }
    for variable, (variables, args) in refused.items():
        result = shard_list(binary, smoke, "--shard", "auto", *args, env={**base, **variables})
        lines = result.stderr.strip().splitlines()
        expect(result.returncode == 2 and len(lines) == 1 and variable in lines[0],
               f"--shard auto refuses ({variable}): {result.stderr.strip()}")


def test_merge(binary, source, tmp):
    smoke = os.path.join(source, "data", "suites", "smoke")
    whole = os.path.join(tmp, "whole.json")
    conveq(binary, "run", smoke, "--report", whole, status={0})
    shards = []
    for i in range(1, 5):
        extension = "jsonl" if i % 2 else "json"  # both forms, merged together
        shards.append(os.path.join(tmp, f"shard{i}.{extension}"))
        conveq(binary, "run", smoke, "--shard", f"{i}/4", "--report", shards[-1], status={0})
    merged = os.path.join(tmp, "merged.json")
    conveq(binary, "merge", *reversed(shards), "-o", merged, status={0})
    merged_lines = os.path.join(tmp, "merged.jsonl")
    conveq(binary, "merge", *shards, "-o", merged_lines, status={0})
    expected = without_timings(read_report(whole)["problems"])
    for path in (merged, merged_lines):
        report = read_report(path)
        expect(without_timings(report["problems"]) == expected,
               f"{os.path.basename(path)}: the unsharded run's problems, in suite order")
        expect(report["summary"] == read_report(whole)["summary"], "the summary, counted again")
        expect(report["suite"]["shard"] == {"index": 1, "count": 1}, "shard 1/1")
        check = conveq(binary, "check", path, "--baseline", whole, "--max-slowdown", "1e9",
                       status={0, 1, 2})
        expect(check.returncode == 0, f"check accepts {os.path.basename(path)}: "
                                      f"{check.stderr.strip()}")

    def refused(args, reason):
        result = conveq(binary, "merge", *args, "-o", os.path.join(tmp, "refused.json"),
                        status={0, 1, 2})
        expect(result.returncode == 2 and reason in result.stderr
               and not os.path.exists(os.path.join(tmp, "refused.json")),
               f"merge refuses {reason}: {result.stderr.strip()}")

    refused([shards[0], shards[0], *shards[1:]], "shard 1 is in both")
    refused(shards[:3], "missing shard(s) 4 of 4")
    other = os.path.join(tmp, "other_options.json")
    conveq(binary, "run", smoke, "--shard", "4/4", "--repeat", "2", "--report", other, status={0})
    refused([*shards[:3], other], "suite.run_options differs")
    edited = os.path.join(tmp, "edited_suite")
    shutil.copy(smoke, edited)
    with open(edited, "a") as f:
        f.write("\n# a comment changes the suite's bytes\n")
    other = os.path.join(tmp, "other_suite.json")
    conveq(binary, "run", edited, "--shard", "4/4", "--report", other, status={0})
    refused([*shards[:3], other], "suite.sha256 differs")
    refused([whole, shards[0]], "shard.count differs")


def test_killed_run(binary, source, tmp):
    suite = os.path.join(tmp, "long_suite")
    with open(suite, "w") as f:
        for i in range(2000):  # far more than run before the kill
            f.write(f"p{i}: --in 4 --out 4 --length {20 + i} --repeat 1 --warmup 0\n")
    report = os.path.join(tmp, "killed.jsonl")
    partial = report + ".partial"
    process = subprocess.Popen([binary, "run", suite, "--report", report, "--threads", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Waits for lines, not for a time: at least a header and two problems.
    while process.poll() is None:
        if os.path.exists(partial) and open(partial).read().count("\n") >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    expect(not os.path.exists(report), "a killed run leaves no REPORT")
    with open(partial) as f:
        lines = f.read().splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line)["record"])
        except ValueError:
            records.append("truncated")
    expect(records[0] == "header" and records.count("problem") >= 2
           and "summary" not in records, f"REPORT.partial keeps the finished problems")
    shown = conveq(binary, "show", partial, status={0, 2})
    expect(shown.returncode == 0 and "stopped after" in shown.stdout,
           f"show reads the partial report: {shown.stderr.strip()}")
    check = conveq(binary, "check", partial, "--baseline", partial, status={0, 1, 2})
    expect(check.returncode == 2 and "no summary line" in check.stderr,
           f"check refuses it: {check.stderr.strip()}")


def test_compact_size(binary, tmp):
    """Issue 16's size target, 40 MB for 10,000 problems, as bytes per problem: the problems of
    scripts/measure-scale.sh (tiny, default paths), 200 of them, with --compact."""
    suite = os.path.join(tmp, "scale_suite")
    with open(suite, "w") as f:
        for i in range(200):
            f.write(f"p{i:05d}: --in 4 --out 4 --length {16 + i % 64} --repeat 1 --warmup 0\n")
    report = os.path.join(tmp, "scale.jsonl")
    conveq(binary, "run", suite, "--report", report, "--compact", status={0})
    with open(report) as f:
        lines = f.read().splitlines()
    per_problem = sum(len(line) + 1 for line in lines[1:-1]) / (len(lines) - 2)
    expect(len(lines) == 202 and per_problem < 4000,
           f"--compact: {per_problem:.0f} bytes a problem (under 4000: 40 MB for 10,000)")
    check = conveq(binary, "check", report, "--baseline", report, status={0, 1, 2})
    expect(check.returncode == 0, f"check reads the compact report: {check.stderr.strip()}")

    # A compact baseline still catches comparisons that fail now (its statuses are implied).
    small = os.path.join(tmp, "small_suite")
    with open(small, "w") as f:
        f.writelines(line for line in open(suite).readlines()[:5])
    compact = os.path.join(tmp, "small_compact.jsonl")
    conveq(binary, "run", small, "--report", compact, "--compact", status={0})
    strict = os.path.join(tmp, "small_strict.json")
    conveq(binary, "run", small, "--report", strict, "--atol", "0", "--rtol", "0", status={1})
    check = conveq(binary, "check", strict, "--baseline", compact, "--max-slowdown", "1e9",
                   status={0, 1, 2})
    expect(check.returncode == 1 and "now fails" in check.stdout,
           f"check against a compact baseline finds the comparisons that fail now")
    check = conveq(binary, "check", compact, "--baseline", strict, "--max-slowdown", "1e9",
                   status={0, 1, 2})
    expect(check.returncode == 0 and "now passes" in check.stdout,
           f"and a compact report's passes are improvements over them: {check.stderr.strip()}")


def main():
    binary, source = sys.argv[1], sys.argv[2]
    if shutil.which("xmllint") is None:
        sys.exit("xmllint not found: install libxml2-utils (scripts/setup.sh does)")
    with tempfile.TemporaryDirectory() as tmp:
        test_junit(binary, source, tmp)
        test_model_junit(binary, source, tmp)
        test_shard_auto(binary, source)
        test_merge(binary, source, tmp)
        test_killed_run(binary, source, tmp)
        test_compact_size(binary, tmp)
    if failures:
        sys.exit("failed:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
