"""Static checks of the deployment files: no Docker engine or cluster is needed.

The settings classes are the source of truth: every variable a deployment sets must be one a
service really reads, and every probe must hit a route the app really serves.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from porttrust_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("identity", "registry", "credit", "whitelist")
PORTS = {"identity": 8000, "registry": 8001, "credit": 8002, "whitelist": 8003}
# Read with os.environ rather than through a Settings class (identity's first start).
PROCESS_ENV = {"identity": {"PORTTRUST_ADMIN_PASSWORD"}}
SECRET_SUFFIXES = ("DATABASE_URL", "PII_KEYS", "BLIND_INDEX_KEY", "CLIENT_SECRET",
                   "BOOTSTRAP_CLIENTS", "ADMIN_PASSWORD")


def settings_cls(service: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = importlib.import_module(f"{service}.settings").Settings
    return cls


def readable_env(service: str) -> set[str]:
    cls = settings_cls(service)
    prefix = str(cls.model_config.get("env_prefix", ""))
    return {prefix + name.upper() for name in cls.model_fields} | PROCESS_ENV.get(service, set())


def unknown_env(service: str, names: Iterable[str]) -> set[str]:
    return set(names) - readable_env(service)


def route_paths(routes: Iterable[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from route_paths(route.original_router.routes,
                                   prefix + route.include_context.prefix)
        elif hasattr(route, "routes") and hasattr(route, "path"):  # a Mount
            yield from route_paths(route.routes, prefix + route.path)
        elif hasattr(route, "path"):
            yield prefix + route.path


@pytest.fixture(scope="module")
def app_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    tmp = tmp_path_factory.mktemp("deploy-apps")
    paths = {}
    for service in SERVICES:
        url = f"sqlite+aiosqlite:///{tmp / service}.db"
        app: FastAPI = importlib.import_module(f"{service}.main").create_app(
            settings_cls(service)(database_url=url, var_dir=tmp))
        paths[service] = set(route_paths(app.routes))
    return paths


def env_map(environment: Any) -> dict[str, str]:
    if isinstance(environment, list):
        return dict(str(item).partition("=")[::2] for item in environment)
    return {str(k): str(v) for k, v in (environment or {}).items()}


def url_path(text: str) -> tuple[int, str]:
    found = re.search(r"http://[^:/]+:(\d+)(/[\w./-]*)", text)
    assert found, f"no URL in {text!r}"
    return int(found.group(1)), found.group(2)


# --- docker-compose.yml -------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, Any] = loaded["services"]
    return services


def test_env_check_flags_a_misspelt_name() -> None:
    assert unknown_env("registry", ["REGISTRY_CREDIT_ULR", "REGISTRY_CREDIT_URL"]) == {
        "REGISTRY_CREDIT_ULR"}


def test_env_check_flags_another_services_prefix() -> None:
    assert unknown_env("credit", ["REGISTRY_PORT"]) == {"REGISTRY_PORT"}


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_each_service_and_its_migration(compose: dict[str, Any],
                                                     service: str) -> None:
    assert compose[f"{service}-migrate"]["command"] == ["python", "-m", service, "migrate"]
    assert compose[service]["command"] == ["python", "-m", service, "serve", "--no-migrate"]


@pytest.mark.parametrize("service", SERVICES)
def test_compose_serves_only_after_the_migration_succeeded(compose: dict[str, Any],
                                                          service: str) -> None:
    depends = compose[service]["depends_on"]
    assert depends[f"{service}-migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("service", SERVICES[1:])
def test_compose_starts_token_verifiers_after_identity_is_healthy(compose: dict[str, Any],
                                                                 service: str) -> None:
    assert compose[service]["depends_on"]["identity"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_migrations_wait_for_a_healthy_postgres(compose: dict[str, Any],
                                                       service: str) -> None:
    assert compose[f"{service}-migrate"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy")


@pytest.mark.parametrize("service", SERVICES)
def test_compose_migrates_the_database_the_service_serves(compose: dict[str, Any],
                                                         service: str) -> None:
    assert compose[f"{service}-migrate"]["environment"] == compose[service]["environment"]


def test_compose_builds_one_image_for_every_service(compose: dict[str, Any]) -> None:
    images = {spec["image"] for name, spec in compose.items() if name != "postgres"}
    dockerfiles = {spec["build"]["dockerfile"] for name, spec in compose.items()
                   if name != "postgres"}
    assert len(images) == 1
    assert dockerfiles == {"deploy/Dockerfile"}
    assert (ROOT / "deploy" / "Dockerfile").is_file()


@pytest.mark.parametrize("name", [f"{s}{suffix}" for s in SERVICES for suffix in ("", "-migrate")])
def test_compose_sets_only_variables_the_service_reads(compose: dict[str, Any], name: str) -> None:
    service = name.removesuffix("-migrate")
    assert unknown_env(service, env_map(compose[name]["environment"])) == set()


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_listens_on_all_interfaces_in_prod(compose: dict[str, Any],
                                                          service: str) -> None:
    env = env_map(compose[service]["environment"])
    prefix = service.upper() + "_"
    assert env[prefix + "HOST"] == "0.0.0.0"
    assert env[prefix + "ENVIRONMENT"] == "prod"
    assert env[prefix + "PORT"] == str(PORTS[service])


@pytest.mark.parametrize("service", SERVICES)
def test_compose_secrets_come_from_the_env_file(compose: dict[str, Any], service: str) -> None:
    env = env_map(compose[service]["environment"])
    secret = {k: v for k, v in env.items() if k.endswith(SECRET_SUFFIXES)}
    assert secret
    assert all("${" in value for value in secret.values())


def test_compose_gives_every_service_the_same_blind_index_key(compose: dict[str, Any]) -> None:
    keys = {env_map(compose[s]["environment"])[f"{s.upper()}_BLIND_INDEX_KEY"] for s in SERVICES}
    assert len(keys) == 1


@pytest.mark.parametrize("service", SERVICES)
def test_compose_health_check_hits_a_real_route(compose: dict[str, Any], service: str,
                                               app_paths: dict[str, set[str]]) -> None:
    port, path = url_path(" ".join(compose[service]["healthcheck"]["test"]))
    assert port == PORTS[service]
    assert path in app_paths[service]


@pytest.mark.parametrize("service", SERVICES)
def test_compose_database_is_the_services_own(compose: dict[str, Any], service: str) -> None:
    url = env_map(compose[service]["environment"])[f"{service.upper()}_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://")
    assert url.endswith(f"/{service}")


def test_postgres_init_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    mounts = [v.split(":")[0] for v in compose["postgres"]["volumes"]]
    init = next(m for m in mounts if "init" in m)
    created = re.findall(r"CREATE DATABASE (\w+)", (ROOT / init).read_text(), re.IGNORECASE)
    assert sorted(created) == sorted(SERVICES)


def _interpolated(value: str, filled: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)(?::?[?-][^}]*)?\}", lambda m: filled[m.group(1)], value)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_environment_is_accepted_by_prod_settings(
        compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    filled = {"POSTGRES_PASSWORD": "pw", "PORTTRUST_ADMIN_PASSWORD": "a-real-password",
              "PORTTRUST_PII_KEYS": "k1:" + "A" * 43 + "=", "PORTTRUST_BLIND_INDEX_KEY": "B" * 44,
              "REGISTRY_CLIENT_SECRET": "r" * 32, "CREDIT_CLIENT_SECRET": "c" * 32,
              "WHITELIST_CLIENT_SECRET": "w" * 32}
    for name, value in env_map(compose[service]["environment"]).items():
        monkeypatch.setenv(name, _interpolated(value, filled))
    settings = settings_cls(service)()
    assert settings.environment == "prod"
    assert not settings.is_sqlite


def test_env_file_template_names_every_variable_compose_needs() -> None:
    needed = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    template = (ROOT / "deploy" / "compose.env.example").read_text()
    offered = set(re.findall(r"^(\w+)=", template, re.MULTILINE))
    assert needed == offered
    assert re.findall(r"^\w+=(.+)$", template, re.MULTILINE) == []


def test_compose_bootstraps_a_client_per_calling_service(compose: dict[str, Any]) -> None:
    env = env_map(compose["identity"]["environment"])
    clients = json.loads(env["IDENTITY_BOOTSTRAP_CLIENTS"])
    by_id = {c["client_id"]: c for c in clients}
    for service in SERVICES[1:]:
        own = env_map(compose[service]["environment"])
        assert by_id[own[f"{service.upper()}_CLIENT_ID"]]["client_secret"] == (
            own[f"{service.upper()}_CLIENT_SECRET"])
        assert by_id[f"svc-{service}"]["roles"] == ["service"]


# --- Kubernetes manifests ------------------------------------------------------------------

@pytest.fixture(scope="module")
def k8s() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def k8s_object(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def only_container(obj: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_k8s_has_a_namespace_for_every_object(k8s: list[dict[str, Any]]) -> None:
    namespace = k8s_object(k8s, "Namespace", "porttrust")["metadata"]["name"]
    assert all(d["metadata"]["namespace"] == namespace for d in k8s if d["kind"] != "Namespace")


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_deployment_runs_replicas_without_migrating(k8s: list[dict[str, Any]],
                                                        service: str) -> None:
    deployment = k8s_object(k8s, "Deployment", service)
    assert deployment["spec"]["replicas"] >= 2
    assert only_container(deployment)["command"] == [
        "python", "-m", service, "serve", "--no-migrate"]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_migration_job_per_service(k8s: list[dict[str, Any]], service: str) -> None:
    job = k8s_object(k8s, "Job", f"{service}-migrate")
    assert only_container(job)["command"] == ["python", "-m", service, "migrate"]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_migration_job_uses_the_deployments_environment(k8s: list[dict[str, Any]],
                                                            service: str) -> None:
    job = only_container(k8s_object(k8s, "Job", f"{service}-migrate"))
    assert job["env"] == only_container(k8s_object(k8s, "Deployment", service))["env"]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_probes_hit_real_routes(k8s: list[dict[str, Any]], service: str,
                                    app_paths: dict[str, set[str]]) -> None:
    container = only_container(k8s_object(k8s, "Deployment", service))
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"/readyz", "/healthz"} <= app_paths[service]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_service_exposes_the_container_port(k8s: list[dict[str, Any]], service: str) -> None:
    container = only_container(k8s_object(k8s, "Deployment", service))
    port = k8s_object(k8s, "Service", service)["spec"]["ports"][0]
    assert port["port"] == PORTS[service]
    assert container["ports"][0] == {"name": port["targetPort"], "containerPort": PORTS[service]}


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_deployment_sets_resources(k8s: list[dict[str, Any]], service: str) -> None:
    resources = only_container(k8s_object(k8s, "Deployment", service))["resources"]
    assert set(resources) == {"requests", "limits"}


@pytest.mark.parametrize("kind,suffix", [("Deployment", ""), ("Job", "-migrate")])
@pytest.mark.parametrize("service", SERVICES)
def test_k8s_sets_only_variables_the_service_reads(k8s: list[dict[str, Any]], service: str,
                                                   kind: str, suffix: str) -> None:
    env = only_container(k8s_object(k8s, kind, service + suffix))["env"]
    assert unknown_env(service, [e["name"] for e in env]) == set()


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_env_references_existing_keys(k8s: list[dict[str, Any]], service: str) -> None:
    config = k8s_object(k8s, "ConfigMap", "porttrust-config")["data"]
    secret = k8s_object(k8s, "Secret", "porttrust-secrets")["stringData"]
    for entry in only_container(k8s_object(k8s, "Deployment", service))["env"]:
        source = entry.get("valueFrom", {})
        if "configMapKeyRef" in source:
            assert source["configMapKeyRef"]["key"] in config
        if "secretKeyRef" in source:
            assert source["secretKeyRef"]["key"] in secret


def filled_k8s_secret() -> dict[str, str]:
    """What an operator puts in the Secret: every key of the template, with real-looking values."""
    client_secrets = {s: "s3cret-" + s * 4 for s in SERVICES[1:]}
    values = {"admin-password": "a-long-admin-password", "pii-keys": "k1:" + "A" * 43 + "=",
              "blind-index-key": "B" * 44,
              "identity-bootstrap-clients": json.dumps([
                  {"client_id": f"svc-{s}", "client_secret": secret, "name": s,
                   "roles": ["service"], "province": "HQ"}
                  for s, secret in client_secrets.items()])}
    values.update({f"{s}-client-secret": secret for s, secret in client_secrets.items()})
    values.update({f"{s}-database-url": f"postgresql+asyncpg://pt:pw@db:5432/{s}"
                   for s in SERVICES})
    return values


def resolve_env(entry: dict[str, Any], config: dict[str, str], secret: dict[str, str]) -> str:
    source = entry.get("valueFrom", {})
    if "configMapKeyRef" in source:
        return config[source["configMapKeyRef"]["key"]]
    if "secretKeyRef" in source:
        return secret[source["secretKeyRef"]["key"]]
    return str(entry["value"])


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_environment_is_accepted_by_prod_settings(
        k8s: list[dict[str, Any]], service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = k8s_object(k8s, "ConfigMap", "porttrust-config")["data"]
    secret = filled_k8s_secret()
    assert set(secret) == set(k8s_object(k8s, "Secret", "porttrust-secrets")["stringData"])
    for entry in only_container(k8s_object(k8s, "Deployment", service))["env"]:
        monkeypatch.setenv(entry["name"], resolve_env(entry, config, secret))
    settings = settings_cls(service)()
    assert settings.environment == "prod"
    assert settings.database_url.endswith(f"/{service}")
    assert settings.host == "0.0.0.0"


def test_k8s_secret_template_holds_no_secret(k8s: list[dict[str, Any]]) -> None:
    secret = k8s_object(k8s, "Secret", "porttrust-secrets")
    assert "data" not in secret
    assert set(secret["stringData"].values()) == {""}


# --- Dockerfile ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    lines = (ROOT / "deploy" / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_dockerfile_builds_on_python_311_slim(dockerfile: list[str]) -> None:
    assert dockerfile[0] == "FROM python:3.11-slim"


def test_dockerfile_installs_the_lockfile(dockerfile: list[str]) -> None:
    assert any(re.match(r"RUN pip install .*-r requirements\.lock", line) for line in dockerfile)


def test_dockerfile_installs_every_package(dockerfile: list[str]) -> None:
    installs = " ".join(line for line in dockerfile
                        if line.startswith("RUN ") and "pip install" in line)
    assert all(f"services/{s}" in installs for s in SERVICES)
    assert "-e shared" in installs


def test_dockerfile_runs_as_a_non_root_user(dockerfile: list[str]) -> None:
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")


def test_dockerfile_installs_no_development_package(dockerfile: list[str]) -> None:
    text = " ".join(dockerfile)
    assert "requirements-dev" not in text
    assert "shared/dev" not in text
    assert "COPY shared " not in text + " "  # the library's source only, not shared/dev or tests


def test_image_context_leaves_development_files_out() -> None:
    ignored = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    assert {"shared/dev", "shared/tests", "services/*/tests", "requirements-dev.*"} <= set(ignored)


# --- dependency lists ----------------------------------------------------------------------
# Each runtime package (shared/, services/*) declares what it imports in its pyproject.toml;
# requirements.lock pins exactly those and their dependencies (what the image installs), and
# requirements-dev.lock only adds the development tools on top (what `make install` adds).

RUNTIME_PROJECTS = ("shared", *(f"services/{s}" for s in SERVICES))
BUILD_TOOLS = {"setuptools", "wheel"}  # the editable installs (--no-build-isolation)
DEV_TOOLS = {"pytest", "pytest-asyncio", "mypy", "ruff", "schemathesis", "playwright",
             "hypothesis", "smpplib", "types-pyyaml", "porttrust-dev"}
FIRST_PARTY = {"porttrust_shared", *SERVICES}


def lock_pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        spec = line.split("#")[0].strip()
        if "==" in spec:
            pkg, _, version = spec.partition("==")
            pins[canonicalize_name(pkg)] = version
    return pins


def declared(project: str) -> list[Requirement]:
    data = tomllib.loads((ROOT / project / "pyproject.toml").read_text())
    return [Requirement(spec) for spec in data["project"].get("dependencies", [])]


def runtime_requirements() -> list[Requirement]:
    return [req for project in RUNTIME_PROJECTS for req in declared(project)
            if not canonicalize_name(req.name).startswith("porttrust-")]


def installed_closure(roots: Iterable[Requirement]) -> set[str]:
    """Names of `roots` and everything they need on this interpreter (installed metadata)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = list(roots)
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        for spec in metadata.distribution(req.name).requires or []:
            dep = Requirement(spec)
            if dep.marker is None or any(dep.marker.evaluate({"extra": extra})
                                         for extra in req.extras or {""}):
                todo.append(dep)
    return {name for name, _extras in seen}


def test_runtime_lock_holds_no_development_tool() -> None:
    assert DEV_TOOLS.isdisjoint(lock_pins("requirements.lock"))


def test_dev_lock_only_adds_to_the_runtime_lock() -> None:
    lines = [line for line in (ROOT / "requirements-dev.lock").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "-r requirements.lock"
    assert set(lock_pins("requirements-dev.lock")).isdisjoint(lock_pins("requirements.lock"))


def test_requirements_in_names_what_the_runtime_packages_declare() -> None:
    named = {canonicalize_name(Requirement(line.split("#")[0]).name)
             for line in (ROOT / "requirements.in").read_text().splitlines()
             if line.split("#")[0].strip()}
    assert named == {canonicalize_name(r.name) for r in runtime_requirements()} | BUILD_TOOLS


def test_runtime_lock_pins_exactly_what_the_runtime_packages_need() -> None:
    needed = installed_closure([*runtime_requirements(), *map(Requirement, BUILD_TOOLS)])
    assert needed == set(lock_pins("requirements.lock"))


def test_the_locks_pin_what_is_installed() -> None:
    pins = lock_pins("requirements.lock") | lock_pins("requirements-dev.lock")
    wrong = {name: (version, metadata.version(name)) for name, version in pins.items()
             if metadata.version(name) != version}
    assert wrong == {}


@pytest.mark.parametrize("project", RUNTIME_PROJECTS)
def test_runtime_package_declares_every_distribution_it_imports(project: str) -> None:
    own = {canonicalize_name(r.name) for r in declared(project)}
    if project != "shared":  # a service also gets what the library it declares brings
        own |= {canonicalize_name(r.name) for r in declared("shared")}
    providers = metadata.packages_distributions()
    imported: set[str] = set()
    for path in (ROOT / project / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - FIRST_PARTY - set(sys.stdlib_module_names) - {"__future__"}
    undeclared = {module for module in third_party
                  if not own & {canonicalize_name(d) for d in providers.get(module, [module])}}
    assert undeclared == set()
