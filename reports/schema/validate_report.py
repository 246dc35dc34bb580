#!/usr/bin/env python3
"""Checks a do-conformance JSON report against report.schema.json (draft 2020-12).

Usage: validate_report.py REPORT.json [SCHEMA.json]

Exit status: 0 valid, 1 invalid (each error printed with its JSON path), 2 unreadable input,
77 when the jsonschema module is missing (Debian: python3-jsonschema), the code ctest and the
report tests read as "skipped" rather than "failed".
"""

import json
import pathlib
import sys

EXIT_SKIPPED = 77


def main(argv):
    try:
        import jsonschema
    except ImportError:
        print("validate_report.py: python3-jsonschema is not installed", file=sys.stderr)
        return EXIT_SKIPPED

    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    report_path = pathlib.Path(argv[1])
    schema_path = (pathlib.Path(argv[2]) if len(argv) == 3
                   else pathlib.Path(__file__).with_name("report.schema.json"))

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"validate_report.py: {error}", file=sys.stderr)
        return 2

    # A broken schema would accept anything; check it before trusting a "valid".
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        where = "/".join(map(str, error.absolute_path)) or "(root)"
        print(f"{report_path}: {where}: {error.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
