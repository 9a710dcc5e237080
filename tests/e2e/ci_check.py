#!/usr/bin/env python3
"""Checks of the CI files `kanon ci` writes, for tests/e2e/test_ci.sh.

  ci_check.py validate SHARED_CI_DIR KIND:FILE...
      each file is YAML that the platform's own JSON schema (draft-07, in
      ../shared/ci) accepts, and holds what kanon promises (stages, environments,
      one deploy per app and stage, reports, the gate, no secret values)
  ci_check.py run-gitlab FILE WORKDIR
      runs the file's jobs in stage order the way a GitLab runner would: the
      job's variables, the dotenv reports of the jobs it needs, each script
      line through bash (the environment must hold the pipeline's variables)
  ci_check.py run-github FILE WORKDIR INPUTS_JSON
      the same for a GitHub workflow: jobs in `needs` order, each step's `run`
      through bash with `${{ }}` expressions of inputs, vars and secrets (from
      the environment), needs.*.outputs and steps.*.outputs evaluated, and
      $GITHUB_OUTPUT read back after each step

Needs PyYAML and jsonschema (Debian: python3-yaml, python3-jsonschema).
"""
import json, os, re, subprocess, sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: `on:` is a key, not True (GitHub's `on` trigger)."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))

SECRET_NAMES = ("KANON_GIT_TOKEN", "ARGOCD_AUTH_TOKEN", "CI_JOB_TOKEN")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def fail(path, msg):
    raise AssertionError(f"{path}: {msg}")


def check_no_secret_values(path, text):
    # Secrets are named in comments and read from the platform's store, never given a value.
    for name in SECRET_NAMES:
        for m in re.finditer(rf"^\s*{name}\s*:\s*(.*)$", text, re.M):
            value = m.group(1).strip()
            if not value.startswith("${{ secrets."):
                fail(path, f"{name} is given a value: {value!r}")


def gitlab_jobs(doc):
    return {k: v for k, v in doc.items() if isinstance(v, dict) and not k.startswith(".") and k not in
            ("workflow", "variables", "default", "include", "stages")}


def check_gitlab(path, doc, text):
    jobs = gitlab_jobs(doc)
    include = "workflow" not in doc
    if not include:
        if doc["stages"] != ["build", "deploy-dev", "validate", "promote-prod"]:
            fail(path, f"stages {doc['stages']}")
        if doc["workflow"]["rules"][0]["if"] not in ("$WEB_CORE_REF", "$WEB_CORE_REF && $APP"):
            fail(path, "workflow rule")
    base = doc[".kanon"]
    if base["image"] != "$KANON_IMAGE" or base["variables"]["KANON_TAG"] != "$WEB_CORE_REF":
        fail(path, ".kanon base job")
    manual = "--gate manual" in text.splitlines()[1]
    paths_guard = "--loop-guard paths" in text.splitlines()[1]
    for name, job in jobs.items():
        kind = name.split(":")[0]
        app = name.split(":")[1] if ":" in name else None
        if job.get("extends") != ".kanon":
            fail(path, f"{name} does not extend .kanon")
        script = job["script"]
        if not any(line.startswith("kanon ") for line in script):
            fail(path, f"{name} runs no kanon command")
        if app is not None and not job["rules"][0]["if"] == f'$APP == null || $APP == "{app}"':
            fail(path, f"{name}: rules do not pick the app: {job.get('rules')}")
        if kind in ("deploy-dev", "promote-prod"):
            stage = kind.split("-")[1]
            want = f"{app or '$APP'}-{stage}"
            if job["resource_group"] != want:
                fail(path, f"{name}: resource_group {job['resource_group']!r}, want {want!r}")
            if job["interruptible"] is not False:
                fail(path, f"{name} is interruptible")
            env = job["environment"]
            tier = "development" if stage == "dev" else "production"
            if env["name"] != f"{stage}/{app or '$APP'}" or env["deployment_tier"] != tier:
                fail(path, f"{name}: environment {env}")
            if env["url"] != f"$KANON_{stage.upper()}_URL":
                fail(path, f"{name}: environment url {env['url']}")
            reports = job["artifacts"]["reports"]
            if not reports.get("junit", "").endswith(".xml") or not reports.get("dotenv", "").endswith(".env"):
                fail(path, f"{name}: reports {reports}")
            if job["artifacts"]["when"] != "always":
                fail(path, f"{name}: reports only on success")
            if paths_guard != all("--no-skip-ci" in line for line in script if line.startswith("kanon pipeline")):
                fail(path, f"{name}: --no-skip-ci does not follow --loop-guard")
        if kind == "promote-prod":
            rules = job.get("rules", [])
            is_manual = any(r.get("when") == "manual" for r in rules)
            if is_manual != manual:
                fail(path, f"{name}: manual {is_manual}, gate manual {manual}")
            if manual and job.get("allow_failure") is not False:
                fail(path, f"{name}: a manual gate that does not block")
        if kind == "build" and job["artifacts"]["reports"]["dotenv"] != "kanon-build.env":
            fail(path, f"{name}: no dotenv report")
        for need in job.get("needs", []):
            if need not in jobs:
                fail(path, f"{name} needs {need}, which is not a job")
    if include and ("stages" in doc or "workflow" in doc):
        fail(path, "an include fragment declares stages or workflow")


def check_github(path, doc, text):
    inputs = doc["on"]["workflow_dispatch"]["inputs"]
    if set(inputs) != {"app", "ref", "tag"} or not inputs["app"]["required"] or not inputs["ref"]["required"]:
        fail(path, f"inputs {inputs}")
    header = text.splitlines()[1]
    apps = [w for w in header.split("`")[1].split()[3:] if not w.startswith("-") and w not in ("manual", "...")]
    if apps and inputs["app"].get("options") != apps:
        fail(path, f"app input {inputs['app']} for apps {apps}")
    jobs = doc["jobs"]
    if list(jobs) != ["build", "deploy-dev", "validate", "promote-prod"]:
        fail(path, f"jobs {list(jobs)}")
    for name in ("deploy-dev", "promote-prod"):
        stage = name.split("-")[1]
        job = jobs[name]
        if job["concurrency"] != {"group": f"kanon-${{{{ inputs.app }}}}-{stage}", "cancel-in-progress": False}:
            fail(path, f"{name}: concurrency {job['concurrency']}")
        if job["environment"]["name"] != stage:
            fail(path, f"{name}: environment {job['environment']}")
    if doc["permissions"] != {"contents": "read"}:
        fail(path, "permissions")


def validate(shared, pairs):
    schemas = {
        "gitlab": json.load(open(os.path.join(shared, "gitlab-ci.schema.json"), encoding="utf-8")),
        "github": json.load(open(os.path.join(shared, "github-workflow.schema.json"), encoding="utf-8")),
    }
    validators = {k: jsonschema.Draft7Validator(v) for k, v in schemas.items()}
    bad = 0
    for pair in pairs:
        kind, path = pair.split(":", 1)
        text = open(path, encoding="utf-8").read()
        doc = load(path)
        errors = sorted(validators["github" if kind == "github" else "gitlab"].iter_errors(doc),
                        key=lambda e: list(e.path))
        for e in errors:
            print(f"{path}: schema: {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
            bad += 1
        try:
            check_no_secret_values(path, text)
            if kind == "gitlab":
                check_gitlab(path, doc, text)
            elif kind == "github":
                check_github(path, doc, text)
        except AssertionError as e:
            print(e, file=sys.stderr)
            bad += 1
    print(f"ci_check: {len(pairs)} files, {bad} problems", file=sys.stderr)
    return 1 if bad else 0


def expand(value, env):
    return re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), ""), value)


def read_dotenv(path):
    out = {}
    for line in open(path, encoding="utf-8").read().splitlines():
        name, _, value = line.partition("=")
        out[name] = value
    return out


def run_gitlab(path, workdir):
    doc = load(path)
    jobs = gitlab_jobs(doc)
    order = {s: i for i, s in enumerate(doc["stages"])}
    base_vars = doc[".kanon"]["variables"]
    dotenvs = {}
    env0 = dict(os.environ)
    for name in sorted(jobs, key=lambda n: order[jobs[n]["stage"]]):
        job = jobs[name]
        env = dict(env0)
        # Precedence as GitLab's: pipeline variables > dotenv of needed jobs > job YAML variables.
        for k, v in {**base_vars, **job.get("variables", {})}.items():
            if k not in env0:
                env[k] = expand(str(v), env)
        for need in job.get("needs", []):
            for k, v in dotenvs.get(need, {}).items():
                if k not in env0:
                    env[k] = v
        jobdir = os.path.join(workdir, name.replace(":", "_"))
        os.makedirs(jobdir, exist_ok=True)
        print(f"--- job {name}", file=sys.stderr)
        for line in job["script"]:
            print(f"$ {line}", file=sys.stderr)
            rc = subprocess.run(["bash", "-c", line], cwd=jobdir, env=env).returncode
            if rc != 0:
                print(f"job {name} failed: exit {rc}", file=sys.stderr)
                return 1
        reports = job.get("artifacts", {}).get("reports", {})
        if "dotenv" in reports:
            dotenvs[name] = read_dotenv(os.path.join(jobdir, reports["dotenv"]))
        url = job.get("environment", {}).get("url")
        if url:
            resolved = expand(url.split("#")[0].strip(), {**env, **dotenvs.get(name, {})})
            if not resolved.startswith("http"):
                print(f"job {name}: environment url {url!r} resolves to {resolved!r}", file=sys.stderr)
                return 1
            print(f"job {name}: environment {job['environment']['name']} at {resolved}", file=sys.stderr)
    return 0


EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expr, ctx):
    """The small part of GitHub's expression language the workflow uses: a.b.c lookups and ||."""
    for alternative in expr.split("||"):
        value = ctx
        for part in alternative.strip().split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        if value:
            return str(value)
    return ""


def substitute(text, ctx):
    return EXPR.sub(lambda m: evaluate(m.group(1), ctx), str(text))


def run_github(path, workdir, inputs):
    doc = load(path)
    env_vars = dict(os.environ)
    ctx = {"inputs": inputs, "vars": env_vars, "secrets": env_vars, "needs": {}}
    done = set()
    jobs = doc["jobs"]
    while len(done) < len(jobs):
        ready = [n for n, j in jobs.items() if n not in done and
                 all(d in done for d in ([j["needs"]] if isinstance(j.get("needs"), str) else j.get("needs", [])))]
        if not ready:
            print("jobs wait on each other", file=sys.stderr)
            return 1
        name = ready[0]
        job = jobs[name]
        jobdir = os.path.join(workdir, name)
        os.makedirs(jobdir, exist_ok=True)
        steps_ctx = {}
        job_ctx = dict(ctx, steps=steps_ctx)
        print(f"--- job {name}", file=sys.stderr)
        for i, step in enumerate(job["steps"]):
            if "run" not in step:
                continue  # actions (upload-artifact) are the platform's
            env = dict(os.environ)
            for k, v in {**doc.get("env", {}), **job.get("env", {}), **step.get("env", {})}.items():
                env[k] = substitute(v, job_ctx)
            out_file = os.path.join(jobdir, f"output-{i}")
            open(out_file, "w").close()
            env["GITHUB_OUTPUT"] = out_file
            script = substitute(step["run"], job_ctx)
            print(f"$ {script.strip()}", file=sys.stderr)
            rc = subprocess.run(["bash", "-e", "-c", script], cwd=jobdir, env=env).returncode
            if "id" in step:
                steps_ctx[step["id"]] = {"outputs": read_dotenv(out_file)}
            if rc != 0:
                print(f"job {name} failed: exit {rc}", file=sys.stderr)
                return 1
        outputs = {k: substitute(v, job_ctx) for k, v in job.get("outputs", {}).items()}
        ctx["needs"][name] = {"outputs": outputs}
        url = job.get("environment", {}).get("url")
        if url:
            resolved = substitute(url, job_ctx)
            if not resolved.startswith("http"):
                print(f"job {name}: environment url {url!r} resolves to {resolved!r}", file=sys.stderr)
                return 1
            print(f"job {name}: environment {job['environment']['name']} at {resolved}", file=sys.stderr)
        done.add(name)
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "validate":
        return validate(sys.argv[2], sys.argv[3:])
    if len(sys.argv) == 4 and sys.argv[1] == "run-gitlab":
        return run_gitlab(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == "run-github":
        return run_github(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
