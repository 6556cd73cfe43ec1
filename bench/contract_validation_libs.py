"""Which library validates the policy contract on the robot computer: msgspec vs pydantic v2.

Per library, in fresh interpreters (best of ``--repeats``): the time to import it, and the time to import it and
validate the Dactyl contract (its JSON text -> the contract dataclasses, strict types: the first read the runtime
does); and the installed size of the library with its dependencies (files listed in their dist-info RECORDs).

    .venv/bin/python bench/contract_validation_libs.py [--repeats 5] [--path DIR ...]

``--path`` puts a folder first on sys.path, for a library installed outside the venv for the measurement
(``pip install --target DIR msgspec``). docs/runtime.md ("Contract validation library") has the numbers.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

LIBRARIES = {
    "msgspec": ("msgspec",),
    "pydantic": ("pydantic", "pydantic-core", "annotated-types", "typing-extensions", "typing-inspection"),
}

IMPORT_ONLY = {
    "msgspec": "import msgspec",
    "pydantic": "from pydantic import TypeAdapter",
}

VALIDATE = {
    "msgspec": "import msgspec\nmsgspec.json.decode(text, type=PolicyContract, strict=True)",
    "pydantic": "from pydantic import TypeAdapter\nTypeAdapter(PolicyContract).validate_json(text, strict=True)",
}

TIMED = """
import importlib.util, os, sys, time
from pathlib import Path
# the contract dataclasses without the package around them (dactyl_lab.contract itself imports msgspec)
path = Path({schema!r})
spec = importlib.util.spec_from_file_location("contract_schema", path)
schema = sys.modules["contract_schema"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(schema)
PolicyContract, text = schema.PolicyContract, os.environ["CONTRACT_JSON"]
assert not [m for m in sys.modules if m.split('.')[0] in ('msgspec', 'pydantic', 'pydantic_core')], 'lib preloaded'
start = time.perf_counter()
exec(compile({code!r}, 'timed', 'exec'))
print(time.perf_counter() - start)
"""

PACKAGE_IMPORT = """
import time
start = time.perf_counter()
import dactyl_lab.contract
print(time.perf_counter() - start)
"""

SCHEMA = Path(__file__).resolve().parents[1] / "extension" / "contract" / "schema.py"


def time_once(code: str, env: dict[str, str]) -> float:
    script = TIMED.format(schema=str(SCHEMA), code=code) if code != PACKAGE_IMPORT else code
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def installed_kib(distributions: tuple[str, ...], paths: list[str]) -> dict[str, float]:
    sizes = {}
    for name in distributions:
        dist = next(importlib.metadata.distributions(name=name, path=[*paths, *sys.path]), None)
        if dist is None:
            raise SystemExit(f"{name} is not installed: pip install --target DIR {name}, then pass --path DIR")
        files = [dist.locate_file(f) for f in dist.files or ()]
        sizes[name] = sum(Path(f).stat().st_size for f in files if Path(f).is_file()) / 1024
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--path", action="append", default=[], help="extra sys.path folder (pip install --target)")
    args = parser.parse_args()
    from dactyl_lab.contract import make_dactyl_contract

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*args.path, os.environ.get("PYTHONPATH", "")])}
    env["CONTRACT_JSON"] = make_dactyl_contract("Dactyl-Reorient-v0", recurrent=True).to_json()
    report = {
        "python": sys.version.split()[0],
        "dactyl_lab_contract_import_ms": 1e3 * min(time_once(PACKAGE_IMPORT, env) for _ in range(args.repeats)),
    }
    for lib, distributions in LIBRARIES.items():
        sizes = installed_kib(distributions, args.path)
        report[lib] = {
            "import_ms": 1e3 * min(time_once(IMPORT_ONLY[lib], env) for _ in range(args.repeats)),
            "import_and_validate_ms": 1e3 * min(time_once(VALIDATE[lib], env) for _ in range(args.repeats)),
            "installed_kib": round(sum(sizes.values())),
            "installed_kib_per_distribution": {name: round(kib) for name, kib in sizes.items()},
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
