"""``AllowedHosts``: the ``Host`` header names ``lambda-connect up`` answers (a defence against DNS rebinding).

A web page the user visits can make its own domain resolve to 127.0.0.1 and then call the local REST API as a
same-origin request; the browser still sends that domain in ``Host``. Answering only local names, the address the
server is bound to and the names the operator gives (``--allowed-host``) refuses such requests.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["LOCAL_NAMES", "AllowedHosts"]

LOCAL_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_ANY_ADDRESS: Final = frozenset({"", "0.0.0.0", "::"})


def _name(host: str) -> str:
    """``host[:port]`` or ``[v6][:port]`` -> the lower-case name without port or brackets."""
    text = host.strip().lower().rstrip(".")
    if text.startswith("["):
        return text[1:].partition("]")[0]
    if text.count(":") == 1:
        return text.partition(":")[0].rstrip(".")
    return text


@dataclass(frozen=True, slots=True)
class AllowedHosts:
    """Local names (``localhost`` and its subdomains, loopback addresses), the bind address and extra names."""

    names: frozenset[str] = LOCAL_NAMES

    @classmethod
    def for_server(cls, bind_host: str, extra: Iterable[str] = ()) -> AllowedHosts:
        """What a server bound to ``bind_host`` answers: local names, ``bind_host`` itself unless it is a wildcard
        address, and ``extra`` (host names or addresses the operator reaches it by)."""
        names = set(LOCAL_NAMES) | {_name(e) for e in extra if e.strip()}
        if bind_host.strip() not in _ANY_ADDRESS:
            names.add(_name(bind_host))
        return cls(frozenset(names))

    def allows(self, host_header: str | None) -> bool:
        """Whether a request with this ``Host`` header may be served (none: an HTTP/1.0 client, not a browser)."""
        if host_header is None:
            return True
        name = _name(host_header)
        if name in self.names or name.endswith(".localhost"):  # RFC 6761: *.localhost is loopback
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def refusal(self, host_header: str) -> str:
        """The 403 message naming the header and what is answered instead."""
        return (f"Host header {host_header!r} is not allowed: lambda-connect up answers only "
                f"{', '.join(sorted(self.names))} and *.localhost (add names with --allowed-host)")
