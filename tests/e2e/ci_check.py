#!/usr/bin/env python3
"""Checks of the CI files `kanon ci` writes, for tests/e2e/test_ci.sh.

  ci_check.py validate SHARED_CI_DIR KIND:FILE...
      each file is YAML that the platform's own JSON schema (draft-07, in
      ../shared/ci) accepts, and holds what kanon promises (stages, environments,
      one deploy per app and stage, reports, the gate, no secret values)
  ci_check.py component SHARED_CI_DIR COMPONENT FRAGMENT...
      the CI/CD component: its spec header and, for the options each
      fragment (`kanon ci gitlab --include APP ...`) was made with, the
      interpolated jobs valid against the schema and equal to the
      fragment's (scripts with the before_script's flags, needs, rules)
  ci_check.py action-workflow ACTION_YML
      action.yml's steps as a workflow with the action's inputs, on stdout,
      for actionlint (after checks of its own: composite, shells, outputs)
  ci_check.py run-action ACTION_YML WORKDIR INPUTS_JSON
      the action's steps through bash as a runner would; its outputs as JSON
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


def action_workflow(path):
    """action.yml's steps as the one job of a workflow_dispatch workflow whose
    inputs are the action's, for actionlint (which lints workflows): the
    steps' expressions, contexts and shells are checked as GitHub would."""
    action = load(path)
    if action.get("runs", {}).get("using") != "composite":
        fail(path, "not a composite action")
    for i, step in enumerate(action["runs"]["steps"]):
        if "run" in step and "shell" not in step:
            fail(path, f"step {i}: a composite action's run step needs a shell")
    for name, out in action.get("outputs", {}).items():
        m = re.search(r"steps\.([\w-]+)\.outputs", out.get("value", ""))
        if not m or m.group(1) not in [s.get("id") for s in action["runs"]["steps"]]:
            fail(path, f"output {name} reads no step of the action")
    inputs = {k: {kk: vv for kk, vv in v.items() if kk in ("description", "required", "default")}
              for k, v in action.get("inputs", {}).items()}
    wf = {"name": "action-check", "on": {"workflow_dispatch": {"inputs": inputs}},
          "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}
    print(yaml.safe_dump(wf, sort_keys=False, width=1000))
    return 0


def run_action(path, workdir, inputs):
    """The composite action's steps through bash, as the runner would: the
    inputs (defaults filled in), github.action_path the action's directory,
    $GITHUB_OUTPUT read back; prints the action's outputs as JSON."""
    action = load(path)
    given = {k: inputs.get(k, v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    steps_ctx = {}
    ctx = {"inputs": given, "github": {"action_path": os.path.dirname(os.path.abspath(path))}, "steps": steps_ctx}
    rc = 0
    for i, step in enumerate(action["runs"]["steps"]):
        env = dict(os.environ)
        for k, v in step.get("env", {}).items():
            env[k] = substitute(v, ctx)
        out_file = os.path.join(workdir, f"output-{i}")
        open(out_file, "w").close()
        env["GITHUB_OUTPUT"] = out_file
        cwd = os.path.join(workdir, substitute(step.get("working-directory", "."), ctx))
        rc = subprocess.run(["bash", "-e", "-c", substitute(step["run"], ctx)], cwd=cwd, env=env).returncode
        if "id" in step:
            steps_ctx[step["id"]] = {"outputs": read_dotenv(out_file)}
        if rc != 0:
            break
    print(json.dumps({k: substitute(v["value"], ctx) for k, v in action.get("outputs", {}).items()}))
    return rc


INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


def interpolate(text, spec, given):
    """GitLab's inputs: every $[[ inputs.NAME ]] replaced as text, before the YAML is read."""
    values = {}
    for name, decl in spec.items():
        decl = decl or {}
        if name in given:
            value = given[name]
        elif "default" in decl:
            value = decl["default"]
        else:
            raise AssertionError(f"input {name} has no default and was not given")
        if "options" in decl and value not in decl["options"]:
            raise AssertionError(f"input {name}: {value!r} is not one of {decl['options']}")
        if decl.get("type") == "boolean":
            value = "true" if value is True or value == "true" else "false"
        values[name] = str(value)

    def one(m):
        if m.group(1) not in values:
            raise AssertionError(f"$[[ inputs.{m.group(1)} ]] is not declared in spec:inputs")
        return values[m.group(1)]
    return INPUT.sub(one, text)


def component(shared, path, fragments):
    """The CI/CD component against the schema, and against the --include
    fragment of the same options: the same jobs with the same scripts."""
    schema = jsonschema.Draft7Validator(json.load(open(os.path.join(shared, "gitlab-ci.schema.json"),
                                                       encoding="utf-8")))
    text = open(path, encoding="utf-8").read()
    header_text, sep, body = text.partition("\n---\n")
    if not sep:
        fail(path, "no header document (spec:) before ---")
    header = yaml.load(header_text, Loader=Yaml12Loader)
    bad = 0
    for e in schema.iter_errors(header):
        print(f"{path}: schema (header): {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
        bad += 1
    spec = header["spec"]["inputs"]
    for frag in fragments:
        line = open(frag, encoding="utf-8").read().splitlines()[1]
        gate = "manual" if "--gate manual" in line else "auto"
        guard = "paths" if "--loop-guard paths" in line else "skip-ci"
        http = "--http" in line
        app = line.split("`")[1].split()[-1]
        doc = yaml.load(interpolate(body, spec, {"app": app, "gate": gate, "loop-guard": guard, "http": http}),
                        Loader=Yaml12Loader)
        for e in schema.iter_errors(doc):
            print(f"{path} ({line}): schema: {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
            bad += 1
        # The flags the base job's before_script makes of the inputs, by running it.
        base = doc[f".kanon:{app}"]
        script = "\n".join(base["before_script"]) + '\necho "$KANON_LOOP_GUARD_FLAG|$KANON_HTTP_FLAG"'
        flags = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.strip()
        loop_flag, http_flag = flags.split("|")
        frag_doc = load(frag)
        mine, theirs = gitlab_jobs(doc), gitlab_jobs(frag_doc)
        try:
            if sorted(mine) != sorted(theirs):
                fail(path, f"jobs {sorted(mine)}, the fragment has {sorted(theirs)}")
            for name, job in mine.items():
                if job.get("extends") != f".kanon:{app}":
                    fail(path, f"{name} does not extend .kanon:{app}")
                got = [re.sub(r" +", " ", l.replace("$KANON_LOOP_GUARD_FLAG", loop_flag)
                              .replace("$KANON_HTTP_FLAG", http_flag)).strip() for l in job["script"]]
                want = [re.sub(r" +", " ", l).strip() for l in theirs[name]["script"]]
                if got != want:
                    fail(path, f"{name} ({line}): script {got}, the fragment's {want}")
                for key in ("stage", "needs", "resource_group", "environment", "artifacts", "interruptible"):
                    if job.get(key) != theirs[name].get(key):
                        fail(path, f"{name}: {key} {job.get(key)!r}, the fragment's {theirs[name].get(key)!r}")
            rules = mine[f"promote-prod:{app}"]["rules"]
            manual = [r for r in rules if r.get("when") == "manual"]
            gate_rule = manual[0]["if"] if manual else ""
            if ("manual" in gate_rule and gate_rule.startswith('"manual" ==')) != (gate == "manual"):
                fail(path, f"gate {gate}: promote-prod's rules {rules}")
        except AssertionError as e:
            print(e, file=sys.stderr)
            bad += 1
    print(f"ci_check: the component against {len(fragments)} fragments, {bad} problems", file=sys.stderr)
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "validate":
        return validate(sys.argv[2], sys.argv[3:])
    if len(sys.argv) == 3 and sys.argv[1] == "action-workflow":
        return action_workflow(sys.argv[2])
    if len(sys.argv) == 5 and sys.argv[1] == "run-action":
        return run_action(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
    if len(sys.argv) >= 5 and sys.argv[1] == "component":
        return component(sys.argv[2], sys.argv[3], sys.argv[4:])
    if len(sys.argv) == 4 and sys.argv[1] == "run-gitlab":
        return run_gitlab(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == "run-github":
        return run_github(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
