from __future__ import annotations

import pytest

from connect_core.coordinator.rest.http import Request, Response, RestError, Router, string_map


def _router() -> Router:
    router = Router()
    router.add("GET", "/connectors/{connector}/tasks/{task}", lambda r: Response(200, dict(r.path_params)))
    router.add("PUT", "/things", lambda r: Response(200, r.json()), consumes_json=True)
    return router


def test_path_params_are_matched_and_percent_decoded() -> None:
    response = _router().dispatch(Request.build("GET", "/connectors/my%20conn/tasks/3"))
    assert response.body == {"connector": "my conn", "task": "3"}


def test_trailing_slash_matches_like_jersey() -> None:
    assert _router().dispatch(Request.build("GET", "/connectors/a/tasks/0/")).status == 200


def test_unknown_path_is_jersey_404() -> None:
    with pytest.raises(RestError) as caught:
        _router().dispatch(Request.build("GET", "/nope"))
    assert (caught.value.status, caught.value.message) == (404, "HTTP 404 Not Found")


def test_known_path_with_wrong_method_is_405() -> None:
    with pytest.raises(RestError) as caught:
        _router().dispatch(Request.build("DELETE", "/things"))
    assert (caught.value.status, caught.value.message) == (405, "HTTP 405 Method Not Allowed")


def test_non_json_content_type_with_a_body_is_415() -> None:
    request = Request.build("PUT", "/things", headers={"Content-Type": "text/plain"}, body="x")
    with pytest.raises(RestError) as caught:
        _router().dispatch(request)
    assert caught.value.status == 415


def test_json_content_type_with_charset_is_accepted() -> None:
    request = Request.build("PUT", "/things", headers={"Content-Type": "application/json; charset=utf-8"},
                            body='{"a": 1}')
    assert _router().dispatch(request).body == {"a": 1}


@pytest.mark.parametrize(("body", "status", "message"), [
    ("{nope", 400, "Cannot parse the request body as JSON"),  # Kafka: 500 from Jackson
    (b"{\"a\": \"\xff\xfe\"}", 400, "Request body is not valid UTF-8"),
    ("[" * 100_000 + "]" * 100_000, 400, "Cannot parse the request body as JSON"),
    ("{\"a\": \"" + "x" * 1_000_001 + "\"}", 413, "larger than the limit of 1000000 bytes"),
])
def test_unreadable_bodies_are_the_clients_mistake(body: str | bytes, status: int, message: str) -> None:
    with pytest.raises(RestError) as caught:
        Request.build("PUT", "/things", body=body).json()
    assert caught.value.status == status
    assert message in caught.value.message


def test_repeated_query_params_are_kept_and_flags_parse_like_java() -> None:
    request = Request.build("GET", "/", "expand=status&expand=info&includeTasks=TRUE&onlyFailed=yes")
    assert request.query["expand"] == ["status", "info"]
    assert request.query_flag("includeTasks", False) is True
    assert request.query_flag("onlyFailed", True) is False
    assert request.query_flag("missing", True) is True


def test_string_map_coerces_scalars_like_jackson() -> None:
    assert string_map({"a": 1, "b": True, "c": None, "d": "x", "e": 1.5}) == {
        "a": "1", "b": "true", "c": None, "d": "x", "e": "1.5"
    }
    with pytest.raises(RestError):
        string_map({"a": {"nested": 1}})
    with pytest.raises(RestError):
        string_map(["not", "a", "map"])


def test_response_body_is_compact_json_and_empty_without_body() -> None:
    assert Response(200, {"a": [1, 2]}).body_text() == '{"a":[1,2]}'
    assert Response(204).body_text() == ""
