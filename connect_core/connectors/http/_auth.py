"""What each ``auth.type`` adds to a request: BASIC, OAUTH2 client-credentials bearer tokens, API keys.

An OAuth2 token is fetched from ``oauth2.token.url`` on first use, kept while the container is warm, refreshed a
minute before ``expires_in`` ends and at once after a 401 (``invalidate``).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError, RetriableError

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.http.config import HttpSinkConfig

__all__ = ["Auth", "basic_header"]

_REFRESH_EARLY_S = 60.0


def basic_header(user: str, password: str) -> str:
    """An HTTP basic ``Authorization`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class Auth:
    """Applies the configured credentials to a request's URL and headers."""

    def __init__(self, config: HttpSinkConfig, send: Callable[[str, str, bytes | None, dict[str, str]],
                                                                tuple[int, bytes]],
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Keep ``config``; ``send(method, url, body, headers) -> (status, body)`` is the task's transport, so the
        token endpoint is reached with the same TLS settings."""
        self._config = config
        self._send = send
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def apply(self, url: str, headers: dict[str, str]) -> str:
        """Add the credentials to ``headers`` (in place) and return the URL to call (an API key may go there)."""
        config = self._config
        if config.auth_type == "BASIC":
            password = config.connection_password.get_secret_value() if config.connection_password else ""
            headers["Authorization"] = basic_header(config.connection_user or "", password)
        elif config.auth_type == "OAUTH2":
            headers["Authorization"] = "Bearer " + self._bearer()
        elif config.auth_type == "API_KEY":
            key = config.api_key_value.get_secret_value() if config.api_key_value else ""
            if config.api_key_location == "HEADER":
                headers[config.api_key_name] = key
            else:
                separator = "&" if urllib.parse.urlsplit(url).query else "?"
                url += separator + urllib.parse.urlencode({config.api_key_name: key})
        return url

    def invalidate(self) -> bool:
        """Forget the OAuth2 token after a 401; True when there was one (the request is then worth one retry)."""
        had = self._token is not None
        self._token = None
        return had and self._config.auth_type == "OAUTH2"

    def _bearer(self) -> str:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        config = self._config
        secret = config.oauth2_client_secret.get_secret_value() if config.oauth2_client_secret else ""
        form: dict[str, str] = {"grant_type": "client_credentials"}
        if config.oauth2_client_scope:
            form["scope"] = config.oauth2_client_scope
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if config.oauth2_client_auth_mode == "header":
            headers["Authorization"] = basic_header(config.oauth2_client_id or "", secret)
        else:
            form.update(client_id=config.oauth2_client_id or "", client_secret=secret)
        url = config.oauth2_token_url or ""
        status, body = self._send("POST", url, urllib.parse.urlencode(form).encode(), headers)
        if status >= 500 or status == 429:
            raise RetriableError(f"OAuth2 token endpoint {url} answered {status}")
        if not 200 <= status < 300:
            raise ConnectError(f"OAuth2 token endpoint {url} refused the client credentials of oauth2.client.id "
                               f"{config.oauth2_client_id}: {status} {body[:200].decode('utf-8', 'replace')}")
        self._token, lifetime = self._parse(url, body)
        self._expires_at = self._clock() + max(lifetime - _REFRESH_EARLY_S, 0.0)
        return self._token

    def _parse(self, url: str, body: bytes) -> tuple[str, float]:
        prop = self._config.oauth2_token_property
        try:
            answer: Any = json.loads(body)
            token = answer[prop]
        except (ValueError, KeyError, TypeError) as error:
            raise ConnectError(f"OAuth2 token endpoint {url} answered without the token property {prop} "
                               "(oauth2.token.property)") from error
        expires = answer.get("expires_in")
        return str(token), float(expires) if isinstance(expires, (int, float)) else 3600.0
