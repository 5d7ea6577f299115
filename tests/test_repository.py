"""What a maintainer or an instructor forking the course expects of the repository: one CI definition, and
licenses stated where people look."""

from __future__ import annotations

import tomllib
import yaml
from helpers import ROOT


def _workflows() -> dict[str, dict]:
    return {p.name: yaml.safe_load(p.read_text()) for p in (ROOT / ".github" / "workflows").glob("*.yml")}


def _runs_ci(workflow: dict, workflows: dict[str, dict]) -> bool:
    for job in workflow["jobs"].values():
        if any(".ci/run" in step.get("run", "") for step in job.get("steps", [])):
            return True
        called = job.get("uses", "")
        if called.startswith("./.github/workflows/") and _runs_ci(workflows[called.rsplit("/", 1)[1]], workflows):
            return True
    return False


def test_every_workflow_that_tests_runs_the_one_ci_script():
    workflows = _workflows()
    assert workflows, "no GitHub workflows"
    for name, workflow in workflows.items():
        text = (ROOT / ".github" / "workflows" / name).read_text()
        triggers = workflow.get(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
        if set(triggers) <= {"schedule", "workflow_dispatch"}:  # the weekly robustness run: make variants
            assert "make variants" in text, f"{name} runs on a schedule but not make variants"
            continue
        assert _runs_ci(workflow, workflows), f"{name} does not run .ci/run"
        assert "apt-get" not in text and "make test" not in text, f"{name} repeats what .ci/run does"


def test_licenses_are_stated_in_the_repository_package_readme_and_site():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT.md").read_text()
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "CC BY 4.0" in readme
    footer = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer


def test_without_node_the_front_end_step_stops_and_says_what_is_missing(tmp_path):
    import os
    import shutil
    import subprocess

    bin_dir = tmp_path / "bin"  # a PATH with the shell tools the script needs first, but no node or npm
    bin_dir.mkdir()
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    done = subprocess.run([shutil.which("bash"), str(ROOT / "booktools" / "vendor.sh")], capture_output=True, text=True,
                          env={**os.environ, "PATH": str(bin_dir)})
    assert done.returncode == 1
    assert "missing: node npm" in done.stderr and "nodejs npm" in done.stderr
