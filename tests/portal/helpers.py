"""Logging in to the e-service through the e-ID simulator, as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def simulator_login(client, personnummer: str, *, next_path: str = "", given_name: str = "", family_name: str = ""):
    """Go through the whole simulator login; returns the final response (a redirect into the e-service)."""
    start = client.get("/e-tjanst/logga-in/" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, start.status_code
    location = start["Location"]
    assert location.startswith("/e-legitimation/simulator/?state=")
    state = parse_qs(urlparse(location).query)["state"][0]
    page = client.get(location)
    assert page.status_code == 200
    chosen = client.post("/e-legitimation/simulator/", {"state": state, "personnummer": personnummer,
                                                         "given_name": given_name, "family_name": family_name})
    assert chosen.status_code == 302, chosen.content.decode()[:2000]
    back = chosen["Location"]
    assert back.startswith("/e-tjanst/logga-in/klar/?")
    return client.get(back)
