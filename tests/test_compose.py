"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine is needed).

The compose file is validated against the Compose Specification's JSON schema, vendored in
tests/schemas/ (its README says where it came from), then held to the house rules: ports on
the loopback interface only, a non-root image with a healthcheck, pinned base images, the
scale profile's exact set of services, and every file it mounts present in the repository.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from syndicator.config import CONFIG_ENV

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"
CONFIG_IN_IMAGE = "/config/syndicator.toml"
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # resolves `<<: *anchor`
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def profiled(profile: str | None) -> dict[str, dict[str, Any]]:
    """Services started by `docker compose [--profile P] up` because of that profile (None:
    the services without a profile, which every `up` starts)."""
    return {
        name: spec
        for name, spec in services().items()
        if (profile in spec.get("profiles", [])) or (profile is None and not spec.get("profiles"))
    }


def interpolate(value: str) -> str:
    """`${VAR:-default}` as compose reads it with VAR unset."""
    return INTERPOLATION.sub(lambda m: m.group("default") or "", value)


def bind_mounts(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(host path, container path) of every bind mount (short syntax or long)."""
    mounts = []
    for volume in spec.get("volumes", []):
        if isinstance(volume, str):
            source, target = interpolate(volume).split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        if source.startswith((".", "/")):
            mounts.append((source, target))
    return mounts


@cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            pairs.append((instruction.upper(), args.strip()))
    return pairs


def instructions(name: str) -> list[str]:
    return [args for instruction, args in dockerfile() if instruction == name]


# --- the compose file ---------------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification() -> None:
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA.relative_to(ROOT)} is missing (see tests/schemas/README.md)")
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = [
        f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in validator.iter_errors(compose())
    ]
    assert not errors, "docker-compose.yml does not follow the Compose Specification:\n" + (
        "\n".join(errors)
    )


def test_vendored_schema_is_the_one_its_readme_names() -> None:
    readme = (SCHEMA.parent / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest in readme, "update the SHA-256 in tests/schemas/README.md with the schema"


def test_published_ports_are_on_the_loopback_interface_only() -> None:
    for name, spec in services().items():
        for port in spec.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name}: port {port!r} must be bound to 127.0.0.1"


def test_default_service_is_the_embedded_mode() -> None:
    default = profiled(None)
    assert set(default) == {"syndicator"}
    spec = default["syndicator"]
    assert "127.0.0.1:8080:8080" in spec["ports"]
    assert spec["restart"] == "unless-stopped"
    assert spec["environment"]["TELEGRAM_BOT_TOKEN"] == "${TELEGRAM_BOT_TOKEN:-}"
    assert "syndicator-data:/data" in spec["volumes"]
    assert "syndicator-data" in compose()["volumes"]
    config = dict((target, source) for source, target in bind_mounts(spec))
    assert config[CONFIG_IN_IMAGE] == "./docker/syndicator.toml"
    assert any(v.endswith(f":{CONFIG_IN_IMAGE}:ro") for v in spec["volumes"]), "mount it :ro"


def test_scale_profile_runs_postgres_three_replicas_the_export_and_nginx() -> None:
    scale = profiled("scale")
    assert set(scale) == {"postgres", "migrate", "replica", "export", "nginx"}
    assert scale["replica"]["deploy"]["replicas"] == 3
    for name in ("migrate", "replica", "export"):
        assert ("./docker/scale.toml", CONFIG_IN_IMAGE) in bind_mounts(scale[name]), name
        assert scale[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
    for name in ("replica", "export"):
        assert scale[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert scale["migrate"]["command"] == ["db", "upgrade"]
    assert scale["postgres"]["image"].startswith("postgres:")
    assert scale["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert scale["nginx"]["image"].startswith("nginx:")
    assert ("./docker/nginx.conf", "/etc/nginx/conf.d/default.conf") in bind_mounts(scale["nginx"])
    assert "syndicator feeds export /export" in " ".join(scale["export"]["command"])
    assert "feeds-export:/export" in scale["export"]["volumes"]
    assert "feeds-export:/srv/export:ro" in scale["nginx"]["volumes"]


def test_long_running_services_have_healthchecks() -> None:
    one_shot = {"migrate", "export"}  # no HTTP port: the image's check would always fail
    for name, spec in services().items():
        check = spec.get("healthcheck", {})
        if name in one_shot:
            assert check == {"disable": True}, f"{name}: disable the image's healthcheck"
        else:
            assert check.get("test"), f"{name} has no healthcheck"
            assert not check.get("disable"), name


def test_compose_healthcheck_is_the_images() -> None:
    healthcheck = instructions("HEALTHCHECK")
    assert len(healthcheck) == 1
    image = json.loads(healthcheck[0].split(" CMD ", 1)[1])
    assert compose()["x-healthcheck"]["test"] == ["CMD", *image]
    assert "http://127.0.0.1:8080" in image[-1] or "'127.0.0.1',8080" in image[-1]
    assert "/healthz" in image[-1]


def test_every_mounted_file_exists() -> None:
    for name, spec in services().items():
        for source, target in bind_mounts(spec):
            assert (ROOT / source).exists(), f"{name} mounts {source} at {target}: missing"
        build = spec.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            assert (ROOT / context / "Dockerfile").is_file(), name


def test_images_are_pinned_and_ours_is_built_here() -> None:
    for name, spec in services().items():
        image = spec["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, image
        assert tag not in ("", "latest"), f"{name}: pin {image!r} to a version"
        if image.startswith("syndicator:"):
            assert spec["build"] == ".", f"{name}: build {image} from the Dockerfile"


# --- the Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = instructions("USER")
    assert users, "the Dockerfile sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    for name, spec in services().items():
        assert str(spec.get("user", "")).split(":")[0] not in ("root", "0"), name


def test_dockerfile_has_a_healthcheck_without_curl() -> None:
    (healthcheck,) = instructions("HEALTHCHECK")
    assert "CMD" in healthcheck
    assert "curl" not in healthcheck
    assert "wget" not in healthcheck


def test_base_images_are_pinned() -> None:
    bases = [args.split()[0] for args in instructions("FROM")]
    assert bases
    for base in bases:
        name, _, tag = base.partition(":")
        assert tag not in ("", "latest"), f"FROM {base}: pin a version"
        assert "python" not in name or tag.startswith("3.11-slim"), base


def test_dockerfile_exposes_8080_and_reads_the_mounted_config() -> None:
    assert any("8080" in args.split() for args in instructions("EXPOSE"))
    env = " ".join(instructions("ENV"))
    assert f"{CONFIG_ENV}={CONFIG_IN_IMAGE}" in env
    assert instructions("ENTRYPOINT") == ['["syndicator"]']
    assert '"/data"' in " ".join(instructions("VOLUME"))


def test_dockerfile_copies_only_what_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for secret in (".env", ".git", ".venv"):
        assert secret in ignored, f".dockerignore must exclude {secret}"
    for args in instructions("COPY"):
        if args.startswith("--from"):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: missing"
            assert source.strip("/") not in ignored, f"COPY {source}: excluded by .dockerignore"
