"""The OpenID provider as Headwater's sign-in sees it (``headwater.web.oidc`` runs the flow):
its discovery document and signing keys (fetched once, the keys again when the provider rotates
them), the authorization URL with PKCE (S256), the code exchange, and the checks of an ID token
(signature by a public key, issuer, audience, expiry, nonce, ``at_hash``) through authlib and
joserfc. Each failure is an ``OidcRefused`` that says what went wrong and what to do."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from headwater.auth.config import OidcConfig
from headwater.errors import HeadwaterError

LEEWAY: Final = 60
"""Seconds of clock difference with the provider tolerated on the ID token's times."""
TIMEOUT: Final = 10.0
"""Seconds to wait for the provider's discovery, JWKS, token and userinfo endpoints."""


class OidcRefused(HeadwaterError):
    """A single sign-on that did not succeed: ``status`` and ``message`` for the browser,
    ``reason`` for the audit log, ``user`` when known."""

    def __init__(self, status: int, reason: str, message: str, *, user: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.user = user


class OidcClient:
    """The provider as this server's client sees it: discovery and JWKS (cached), the authorization
    URL, the code exchange, ID token validation and userinfo."""

    def __init__(self, config: OidcConfig, secret: str) -> None:
        self.config = config
        self._secret = secret
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def discovery_url(self) -> str:
        return self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def metadata(self) -> Mapping[str, Any]:
        """The discovery document, fetched on first use and then kept (a failure is not kept)."""
        with self._lock:
            if self._metadata is None:
                self._metadata = self._discover()
            return self._metadata

    def _discover(self) -> dict[str, Any]:
        url = self.discovery_url
        data = _get_json(url, what="discovery document")
        if data.get("issuer") != self.config.issuer:
            raise OidcRefused(
                502,
                "issuer mismatch",
                f"the OpenID provider's discovery document {url} names the issuer {data.get('issuer')!r}, not "
                f"{self.config.issuer!r}: set [web.auth.oidc] issuer to exactly the provider's issuer",
            )
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not data.get(k)]
        if missing:
            raise OidcRefused(
                502,
                "incomplete discovery document",
                f"the OpenID provider's discovery document {url} lacks {', '.join(missing)}: check that "
                "[web.auth.oidc] issuer is an OpenID Connect provider",
            )
        return data

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        uri = str(self.metadata()["jwks_uri"])
        with self._lock:
            if self._jwks is None or refresh:
                self._jwks = _get_json(uri, what="signing keys (JWKS)")
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]

    def _session(self, redirect_uri: str) -> Any:
        return OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self._secret,
            scope=" ".join(self.config.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=TIMEOUT,
        )

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        """Where to send the browser to sign in."""
        endpoint = self.metadata()["authorization_endpoint"]
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(endpoint, state=state, code_verifier=verifier, nonce=nonce)
        return str(url)

    def exchange(self, *, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """The tokens for an authorization code (with its PKCE verifier)."""
        endpoint = self.metadata()["token_endpoint"]
        try:
            with self._session(redirect_uri) as session:
                token = session.fetch_token(
                    endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
                )
        except OAuthError as exc:
            raise OidcRefused(
                401,
                f"code refused: {exc.error}",
                f"the OpenID provider refused this sign-in's code ({exc.error}: {exc.description or 'no details'}): "
                "start again at /login",
            ) from None
        except requests.RequestException as exc:
            raise _unreachable(endpoint, "token endpoint", exc) from None
        if not isinstance(token.get("id_token"), str):
            raise OidcRefused(
                502,
                "no ID token",
                "the OpenID provider sent no ID token: check that [web.auth.oidc] scopes include 'openid'",
            )
        return dict(token)

    def verify_id_token(self, id_token: str, *, nonce: str, access_token: str | None = None) -> dict[str, Any]:
        """The claims of an ID token whose signature (by the provider's keys), issuer, audience,
        expiry, nonce (and ``at_hash``, given the access token) are right; OidcRefused otherwise."""
        advertised = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        # Only public-key signatures: never "none", nor an HMAC keyed by the client secret.
        algorithms = [str(a) for a in advertised if a != "none" and not str(a).startswith("HS")] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys since they were fetched
                token = jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
        except JoseError as exc:
            raise OidcRefused(
                401,
                f"ID token not verified: {exc.error}",
                f"the ID token's signature does not verify with the OpenID provider's keys ({exc.error}): "
                "start again at /login",
            ) from None
        issuer, client_id = self.config.issuer, self.config.client_id
        claims = CodeIDToken(
            token.claims,
            token.header,
            {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
            {"nonce": nonce, "client_id": client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=LEEWAY)
        except ExpiredTokenError:
            raise OidcRefused(
                401,
                "ID token expired",
                "the ID token has expired: start again at /login (if it keeps happening, check this server's clock)",
            ) from None
        except ClaimError as exc:
            raise _bad_claim(exc.claim, token.claims, issuer=issuer, client_id=client_id) from None
        return dict(claims)

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """The userinfo endpoint's claims ({} when the provider has none)."""
        endpoint = self.metadata().get("userinfo_endpoint")
        if not endpoint:
            return {}
        return _get_json(str(endpoint), what="userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _bad_claim(claim: str, claims: Mapping[str, Any], *, issuer: str, client_id: str) -> OidcRefused:
    if claim in ("aud", "azp"):
        return OidcRefused(
            401,
            "ID token for another audience",
            f"the ID token was issued for {claims.get('aud')!r}, not for this server's client {client_id!r}: "
            "start again at /login (an admin: check [web.auth.oidc] client_id)",
        )
    if claim == "nonce":
        return OidcRefused(
            401,
            "nonce mismatch",
            "the ID token's nonce is not this sign-in's, so it may be replayed from another one: start again at /login",
        )
    if claim == "iss":
        return OidcRefused(
            401,
            "issuer mismatch",
            f"the ID token was issued by {claims.get('iss')!r}, not {issuer!r}: start again at /login "
            "(an admin: check [web.auth.oidc] issuer)",
        )
    return OidcRefused(
        401, f"ID token claim {claim}", f"the ID token's claim {claim!r} is missing or invalid: start again at /login"
    )


def _get_json(url: str, *, what: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    try:
        response = requests.get(url, headers=dict(headers or {}), timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise _unreachable(url, what, exc) from None
    try:
        data = response.json()
    except ValueError:  # requests' JSONDecodeError is a ValueError (and a RequestException)
        data = None
    if not isinstance(data, dict):
        raise OidcRefused(
            502,
            f"{what} not JSON",
            f"the OpenID provider's {what} at {url} is not JSON: check [web.auth.oidc] issuer",
        )
    return data


def _unreachable(url: str, what: str, exc: Exception) -> OidcRefused:
    return OidcRefused(
        502,
        "provider unreachable",
        f"cannot read the OpenID provider's {what} at {url} ({type(exc).__name__}): check [web.auth.oidc] "
        "issuer and that the provider is up, then try again",
    )
