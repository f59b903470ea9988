"""Single sign-on with OpenID Connect against a real provider: node-oidc-provider (from npm, in
``tests/web/oidc_provider``) runs on 127.0.0.1 with its development sign-in pages, and real
headless Chromium signs in through it. The role comes from the user's groups; a user in no mapped
group, a replayed or foreign callback, a provider that is down or names another issuer, and every
mistake in ``[web.auth.oidc]`` are refused with a message saying what to do. Each sign-in, and
each refused one, is in the audit log."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pydantic
import pytest
import requests

from headwater.auth.audit import entries
from headwater.errors import ConfigError
from headwater.instance import InstanceConfig
from headwater.web.oidc_client import OidcClient, OidcRefused

from .conftest import Project, make_app
from .test_browser import browser_page, serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
SECRET = "a client secret only these tests use"
SECRET_ENV = "HEADWATER_TEST_OIDC_SECRET"
GROUPS = {"ann": ["data-eng"], "root": ["staff", "platform"], "bob": ["marketing"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, with the provider's packages installed (skip, or fail on CI, without node)."""
    found = shutil.which("node")
    if found is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        npm = shutil.which("npm")
        if found is not None and npm is not None:
            subprocess.run(
                [npm, "ci", "--prefix", str(PROVIDER_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
                check=True,
                capture_output=True,
                timeout=300,
            )
        else:
            message = "node and npm not installed (apt-get install nodejs npm)"
            if os.environ.get("CI"):
                pytest.fail(f"{message}: CI must run the single sign-on tests")
            pytest.skip(message)
    assert found is not None
    return found


@dataclass(frozen=True)
class Provider:
    issuer: str
    port: int


@contextmanager
def running_provider(node: str, port: int, redirect_uri: str, *, id_token_claims: bool = False) -> Iterator[Provider]:
    """node-oidc-provider on 127.0.0.1:``port`` with the client ``headwater``, stopped afterwards."""
    env = {**os.environ, "OIDC_GROUPS": json.dumps(GROUPS), "OIDC_ID_TOKEN_CLAIMS": "1" if id_token_claims else "0"}
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs"), str(port), redirect_uri, SECRET],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", f"the OpenID provider did not start: {line!r}"
        yield Provider(issuer=f"http://127.0.0.1:{port}", port=port)
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def auth_toml(issuer: str, *, default_role: str = "none", extra: str = "") -> str:
    return f"""
[web.auth]
groups = {{ "data-eng" = "launcher", "platform" = "admin" }}

[web.auth.oidc]
issuer = "{issuer}"
client_id = "headwater"
client_secret_env = "{SECRET_ENV}"
default_role = "{default_role}"
{extra}
"""


def with_oidc(project: Project, toml: str) -> Project:
    """``project`` with ``toml`` (its [web.auth] tables) as its configuration."""
    config = InstanceConfig(home=project.config.home, **tomllib.loads(toml))
    return Project(path=project.path, config=config, location=project.location)


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


@contextmanager
def sso(node: str, project: Project, *, id_token_claims: bool = False, **toml: str) -> Iterator[tuple[str, Project]]:
    """The project served with single sign-on at a running provider: the server's URL and project."""
    port = _free_port()
    configured = with_oidc(project, auth_toml(f"http://127.0.0.1:{port}", **toml))
    with (
        serving(configured) as url,
        running_provider(node, port, url + "/login/oidc/callback", id_token_claims=id_token_claims),
    ):
        yield url, configured


def sign_in_at_provider(page: Page, url: str, login: str, next_path: str = "/") -> None:
    """From the login page, sign in with single sign-on as ``login`` (the dev pages take any password)."""
    page.goto(f"{url}/login?next={next_path}")
    page.click("#login-oidc")
    page.wait_for_selector("input[name=login]")
    assert page.url.startswith("http://127.0.0.1:") and not page.url.startswith(url)  # at the provider
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # the provider's consent page: "Continue"


def test_a_user_signs_in_at_the_provider_and_gets_the_role_of_their_group(
    node: str, chromium: str, project: Project, secret_env: None
) -> None:
    from playwright.sync_api import expect

    with sso(node, project) as (url, configured), browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/orders")
        page.wait_for_url(url + "/login?next=%2Fassets%2Forders")
        expect(page.locator("#login-oidc")).to_have_text("Sign in with single sign-on")
        sign_in_at_provider(page, url, "ann", "%2Fassets%2Forders")
        page.wait_for_url(url + "/assets/orders")
        expect(page.locator("#whoami")).to_contain_text("ann (launcher")
        me = page.evaluate("async () => (await fetch('/api/me')).json()")
        assert (me["user"], me["role"], me["via"]) == ("ann", "launcher", "session")
        assert "launch" in me["permissions"] and "switch" not in me["permissions"]
        # the session is a real one: the page's own POSTs pass the CSRF check, and sign-out ends it
        page.click("#logout")
        page.wait_for_url(url + "/login")
        assert page.evaluate("async () => (await fetch('/api/me')).json()")["user"] is None
        assert errors == []
    with configured.instance() as instance:
        logins = [e.entry for e in entries(instance.storage) if e.entry.action.value == "login"]
    assert [(e.actor, e.details.get("via"), e.details.get("sub")) for e in logins] == [("ann", "oidc", "ann")]


def test_the_strongest_mapped_group_wins_and_id_token_claims_are_read(
    node: str, chromium: str, project: Project, secret_env: None
) -> None:
    from playwright.sync_api import expect

    # here the provider puts the name and groups in the ID token itself, so no userinfo is asked for
    with sso(node, project, id_token_claims=True) as (url, _), browser_page(chromium) as (page, _errors):
        sign_in_at_provider(page, url, "root", "%2Faudit")
        page.wait_for_url(url + "/audit")
        expect(page.locator("#whoami")).to_contain_text("root (admin")


def test_a_user_in_no_mapped_group_is_refused_or_gets_the_default_role(
    node: str, chromium: str, project: Project, secret_env: None
) -> None:
    from playwright.sync_api import expect

    with sso(node, project) as (url, configured), browser_page(chromium) as (page, _errors):
        sign_in_at_provider(page, url, "bob")
        expect(page.locator("#oidc-error")).to_have_text(
            "user 'bob' is in no group that [web.auth.groups] maps to a role (their groups: marketing), and "
            '[web.auth.oidc] default_role = "none" refuses such users: ask an admin to map one of their groups '
            "to a role"
        )
        assert page.evaluate("async () => (await fetch('/api/me')).json()")["user"] is None
    with configured.instance() as instance:
        failed = [e.entry for e in entries(instance.storage) if e.entry.action.value == "login_failed"]
    assert [(e.actor, e.details.get("reason")) for e in failed] == [("bob", "no mapped group")]

    with sso(node, project, default_role="viewer") as (url, _), browser_page(chromium) as (page, _errors):
        sign_in_at_provider(page, url, "bob")
        page.wait_for_url(url + "/")
        expect(page.locator("#whoami")).to_contain_text("bob (viewer")


def test_a_callback_is_used_once_and_only_in_the_browser_that_started_it(
    node: str, chromium: str, project: Project, secret_env: None
) -> None:
    from playwright.sync_api import expect

    with sso(node, project) as (url, _), browser_page(chromium) as (page, _errors):
        callbacks: list[str] = []
        page.on("request", lambda r: callbacks.append(r.url) if "/login/oidc/callback" in r.url else None)
        sign_in_at_provider(page, url, "ann")
        page.wait_for_url(url + "/")
        assert len(callbacks) == 1 and "code" in parse_qs(urlsplit(callbacks[0]).query)
        # the same callback again (a replay): its state was used
        page.goto(callbacks[0])
        expect(page.locator("#oidc-error")).to_contain_text("this sign-in is unknown, expired or already used")

        # a sign-in started in one browser and finished in another (no binding cookie) is refused
        started = requests.get(url + "/login/oidc", allow_redirects=False, timeout=10)
        assert started.status_code == 303 and started.headers["location"].startswith("http://127.0.0.1:")
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        page.goto(f"{url}/login/oidc/callback?state={state}&code=stolen")
        expect(page.locator("#oidc-error")).to_have_text(
            "this sign-in was started in another browser, or its cookie was lost: start again at /login in this browser"
        )
        # the provider's own refusal, a callback without a code and a code it never issued are refused
        answers = [
            (403, {"error": "access_denied", "error_description": "End-User aborted interaction"}),
            (400, {}),
            (401, {"code": "made-up"}),
        ]
        texts = []
        for status, params in answers:
            browser = requests.Session()  # its own binding cookie, as a browser has
            started = browser.get(url + "/login/oidc", allow_redirects=False, timeout=10)
            state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
            answer = browser.get(f"{url}/login/oidc/callback", params={"state": state, **params}, timeout=10)
            assert answer.status_code == status
            texts.append(answer.text)
        assert (
            "the OpenID provider did not sign you in (access_denied: End-User aborted interaction): start again at "
            "/login" in texts[0]
        )
        assert "the OpenID provider&#x27;s callback has no code: start again at /login" in texts[1]
        assert "the OpenID provider refused this sign-in&#x27;s code (invalid_grant: " in texts[2]


def test_next_never_leaves_the_site(node: str, chromium: str, project: Project, secret_env: None) -> None:
    with sso(node, project) as (url, _), browser_page(chromium) as (page, _errors):
        for target in ("https%3A%2F%2Fevil.example.com%2F", "%2F%2Fevil.example.com", "%2Flogin"):
            page.goto(f"{url}/login/oidc?next={target}")
            if page.locator("input[name=login]").count():
                page.fill("input[name=login]", "ann")
                page.fill("input[name=password]", "any password")
                page.click("button[type=submit]")
            if page.locator("button[type=submit]").count():
                page.click("button[type=submit]")  # consent, asked once per user and client
            page.wait_for_url(url + "/")


def test_a_provider_that_is_down_or_names_another_issuer_is_explained(project: Project, secret_env: None) -> None:
    down = _free_port()
    configured = with_oidc(project, auth_toml(f"http://127.0.0.1:{down}"))
    with serving(configured) as url:
        answer = requests.get(url + "/login/oidc", allow_redirects=False, timeout=20)
    assert answer.status_code == 502
    assert (
        f"cannot read the OpenID provider&#x27;s discovery document at http://127.0.0.1:{down}/.well-known/"
        "openid-configuration (ConnectionError): check [web.auth.oidc] issuer and that the provider is up, then "
        "try again" in answer.text
    )


def test_an_issuer_that_differs_from_the_discovery_document_is_refused(
    node: str, project: Project, secret_env: None
) -> None:
    port = _free_port()
    configured = with_oidc(project, auth_toml(f"http://localhost:{port}"))
    with serving(configured) as url, running_provider(node, port, url + "/login/oidc/callback"):
        answer = requests.get(url + "/login/oidc", allow_redirects=False, timeout=20)
    assert answer.status_code == 502
    assert (
        f"names the issuer &#x27;http://127.0.0.1:{port}&#x27;, not &#x27;http://localhost:{port}&#x27;: set "
        "[web.auth.oidc] issuer to exactly the provider&#x27;s issuer" in answer.text
    )


def test_without_single_sign_on_its_pages_say_how_to_set_it_up(client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    answer = client.get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 404
    assert "single sign-on is not configured on this server: an admin adds [web.auth.oidc]" in answer.text
    assert "oidc" not in client.get("/api/me").json()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('client_secret = "s3cret"', "client_secret: the secret must not be written in headwater.toml"),
        ('scopes = ["profile"]', "scopes ['profile'] lack 'openid', without which no ID token is issued"),
        ('redirect_uri = "https://hw.example.com/callback"', "redirect_uri 'https://hw.example.com/callback' is not"),
    ],
)
def test_mistakes_in_the_oidc_table_are_refused(project: Project, line: str, message: str) -> None:
    toml = auth_toml("http://127.0.0.1:9", extra=line)
    with pytest.raises(pydantic.ValidationError) as raised:
        with_oidc(project, toml)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("login.example.com", "issuer 'login.example.com' is not a URL: give the provider's issuer, e.g."),
        ("http://login.example.com", "uses http: an OpenID provider must be reached over https (plain http is"),
    ],
)
def test_an_issuer_must_be_an_https_url(project: Project, issuer: str, message: str) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        with_oidc(project, auth_toml(issuer))
    assert message in str(raised.value)


def test_the_secret_is_named_not_written_and_must_be_set(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        with_oidc(project, auth_toml("http://127.0.0.1:9").replace(SECRET_ENV, "s3cret value"))
    assert "client_secret_env must name an environment variable (letters, digits and _), not hold the" in str(
        raised.value
    )
    with pytest.raises(pydantic.ValidationError) as raised:
        with_oidc(project, auth_toml("http://127.0.0.1:9", default_role="boss"))
    assert 'or "none" to refuse users in no mapped group' in str(raised.value)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ConfigError) as error:
        make_app(with_oidc(project, auth_toml("http://127.0.0.1:9")))
    assert (
        f"[web.auth.oidc] client_secret_env names the environment variable {SECRET_ENV}, which is not set: export "
        f"{SECRET_ENV}=<the client secret the OpenID provider issued for client 'headwater'> where the server starts"
    ) == str(error.value)


def test_the_authorization_request_uses_pkce_a_state_and_a_nonce(node: str, project: Project, secret_env: None) -> None:
    with sso(node, project) as (url, _):
        seen: list[dict[str, list[str]]] = []
        for _ in range(2):
            started = requests.get(url + "/login/oidc", allow_redirects=False, timeout=10)
            assert started.status_code == 303
            assert started.headers["location"].startswith("http://127.0.0.1:")
            assert urlsplit(started.headers["location"]).path == "/auth"
            seen.append(parse_qs(urlsplit(started.headers["location"]).query))
    for query in seen:
        assert query["code_challenge_method"] == ["S256"] and query["client_id"] == ["headwater"]
        assert query["response_type"] == ["code"] and query["scope"] == ["openid profile email"]
    # each sign-in has its own state, nonce and verifier
    for name in ("state", "nonce", "code_challenge"):
        assert seen[0][name] != seen[1][name]


def _real_id_token(node: str, chromium: str, project: Project) -> tuple[dict[str, object], OidcClient, str]:
    """Tokens the provider issued to a sign-in this test started itself (with its own nonce), the
    client that asked for them, and that nonce."""
    nonce, verifier = "a-nonce-of-this-test", "a-verifier-of-this-test-that-is-long-enough-for-the-pkce-rules"
    with sso(node, project) as (url, configured), browser_page(chromium) as (page, _errors):
        assert configured.config.web.auth.oidc is not None
        client = OidcClient(configured.config.web.auth.oidc, SECRET)
        redirect = url + "/login/oidc/callback"
        callbacks: list[str] = []
        page.on("request", lambda r: callbacks.append(r.url) if r.url.startswith(redirect) else None)
        page.goto(client.authorization_url(redirect_uri=redirect, state="mine", nonce=nonce, verifier=verifier))
        page.fill("input[name=login]", "ann")
        page.fill("input[name=password]", "any password")
        page.click("button[type=submit]")
        page.click("button[type=submit]")
        page.wait_for_url(redirect + "*")  # the server refuses it (it did not start this sign-in): the code is unused
        code = parse_qs(urlsplit(callbacks[0]).query)["code"][0]
        token = client.exchange(code=code, redirect_uri=redirect, verifier=verifier)
        claims = client.verify_id_token(str(token["id_token"]), nonce=nonce, access_token=str(token["access_token"]))
        assert claims["sub"] == "ann" and claims["aud"] == "headwater"
        info = client.userinfo(str(token["access_token"]))
        assert (info["preferred_username"], info["groups"]) == ("ann", ["data-eng"])
        bad = [
            ("another nonce", {}, "the ID token's nonce is not this sign-in's, so it may be replayed from another one"),
            (nonce, {"client_id": "another-client"}, "the ID token was issued for 'headwater', not for this server's"),
        ]
        for given, change, message in bad:
            other = OidcClient(client.config.model_copy(update=change), SECRET)
            with pytest.raises(OidcRefused) as refused:
                other.verify_id_token(str(token["id_token"]), nonce=given)
            assert refused.value.status == 401 and message in str(refused.value)
    # with the provider gone (its discovery document kept from before), the code exchange says so
    with pytest.raises(OidcRefused) as refused:
        client.exchange(code=code, redirect_uri=redirect, verifier=verifier)
    assert refused.value.status == 502 and str(refused.value).startswith(
        f"cannot read the OpenID provider's token endpoint at {client.config.issuer}/token (ConnectionError): check "
        "[web.auth.oidc] issuer and that the provider is up, then try again"
    )
    return dict(token), client, nonce


def test_id_tokens_are_verified_by_signature_audience_nonce_and_expiry(
    node: str, chromium: str, project: Project, secret_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, client, nonce = _real_id_token(node, chromium, project)
    id_token = str(token["id_token"])
    head, body, signature = id_token.split(".")
    forged = ".".join([head, body, signature[:-6] + ("AAAAAA" if not signature.endswith("AAAAAA") else "BBBBBB")])
    with pytest.raises(OidcRefused) as refused:
        client.verify_id_token(forged, nonce=nonce)
    assert "the ID token's signature does not verify with the OpenID provider's keys (" in str(refused.value)
    later = time.time() + 3 * 3600  # past the token's expiry (one hour) and the leeway
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(OidcRefused) as refused:
        client.verify_id_token(id_token, nonce=nonce)
    assert str(refused.value) == (
        "the ID token has expired: start again at /login (if it keeps happening, check this server's clock)"
    )


def test_a_name_claim_the_provider_does_not_send_refuses_the_sign_in(
    node: str, chromium: str, project: Project, secret_env: None
) -> None:
    from playwright.sync_api import expect

    with sso(node, project, extra='user_claim = "email"') as (url, _), browser_page(chromium) as (page, _errors):
        sign_in_at_provider(page, url, "ann")
        expect(page.locator("#oidc-error")).to_contain_text(
            "the OpenID provider gave no usable 'email' claim for this user (subject 'ann'), so they have no name "
            'here: an admin can set [web.auth.oidc] user_claim to a claim the provider sends (e.g. "email" or "sub")'
        )


@contextmanager
def discovery_server(document: Callable[[str], bytes]) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 answering every GET with ``document(its base URL)``."""
    base: list[str] = []

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document(base[0]))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    base.append(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base[0]
    finally:
        server.shutdown()
        server.server_close()


def _begin(project: Project, issuer: str) -> requests.Response:
    with serving(with_oidc(project, auth_toml(issuer))) as url:
        return requests.get(url + "/login/oidc", allow_redirects=False, timeout=20)


def test_a_discovery_document_that_is_not_json_or_not_a_providers_is_explained(
    project: Project, secret_env: None
) -> None:
    with discovery_server(lambda _: b"<html>a web page</html>") as issuer:
        answer = _begin(project, issuer)
    assert answer.status_code == 502
    assert (
        f"the OpenID provider&#x27;s discovery document at {issuer}/.well-known/openid-configuration is not JSON: "
        "check [web.auth.oidc] issuer" in answer.text
    )
    with discovery_server(lambda _: b"[1, 2]") as issuer:
        assert "is not JSON: check [web.auth.oidc] issuer" in _begin(project, issuer).text
    with discovery_server(lambda base: json.dumps({"issuer": base, "jwks_uri": base + "/jwks"}).encode()) as issuer:
        answer = _begin(project, issuer)
    assert answer.status_code == 502
    assert (
        f"the OpenID provider&#x27;s discovery document {issuer}/.well-known/openid-configuration lacks "
        "authorization_endpoint, token_endpoint: check that [web.auth.oidc] issuer is an OpenID Connect provider"
        in answer.text
    )
