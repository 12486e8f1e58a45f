"""Issue 10 §7: numeric query parameters, long paths and download names are checked, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import assert_error_shape
from tests.live.test_output_previews import with_output

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "١٢", "-1", "1.5", "99999999999999999999999", "0x10"])
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("steps/a/log/tail/", "offset"),
        ("steps/a/log/chunk/", "before"),
        ("steps/a/log/chunk/", "after"),
        ("events/", "after"),
    ],
)
def test_a_numeric_query_parameter_that_is_not_ascii_digits_in_range_is_a_400(
    api: Any, run: Any, path: str, name: str, value: str
) -> None:
    response = api.get(f"/api/runs/{run.pk}/{path}", {name: value})
    assert response.status_code == 400, response.content
    assert_error_shape(response.json(), "invalid_parameter")
    assert response.json()["details"] == {"field": name}


def test_the_run_list_pipeline_filter_with_a_superscript_digit_is_a_400(api: Any) -> None:
    response = api.get("/api/runs/", {"pipeline": "²"})
    assert response.status_code == 400
    assert response.json()["details"] == {"field": "pipeline"}


def test_a_plain_offset_still_reads_the_log(api: Any, run: Any) -> None:
    assert api.get(f"/api/runs/{run.pk}/steps/a/log/tail/", {"offset": "0"}).status_code == 200


@pytest.mark.parametrize("path", ["a" * 5000, "x/" * 600, "n" * 300 + ".csv"])
def test_an_over_long_download_path_is_a_400(api: Any, run: Any, path: str) -> None:
    with_output(run, "a", "out", {"data.csv": b"x\n1\n"})
    response = api.get(f"/api/runs/{run.pk}/steps/a/outputs/out/download/", {"path": path})
    assert response.status_code == 400
    assert response.json()["details"] == {"field": "path"}


def test_a_file_named_with_crlf_and_quotes_downloads_with_a_clean_header(
    api: Any, run: Any
) -> None:
    name = 'evil"\r\nSet-Cookie: a=b.txt'
    with_output(run, "a", "out", {name: b"hi"})
    url = f"/api/runs/{run.pk}/steps/a/outputs/out/download/"
    response = api.get(url, {"path": name})
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith("attachment;") and header.count('"') == 2
    assert not response.has_header("Set-Cookie")


def test_a_non_ascii_download_name_uses_rfc_6266_filename_star(api: Any, run: Any) -> None:
    with_output(run, "a", "out", {"données.csv": b"x\n"})
    url = f"/api/runs/{run.pk}/steps/a/outputs/out/download/"
    response = api.get(url, {"path": "données.csv"})
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''donn%C3%A9es.csv"


def test_an_exported_pipeline_named_with_crlf_and_quotes_gets_a_clean_header(
    api: Any, run: Any
) -> None:
    pipeline = run.pipeline_version.pipeline
    pipeline.name = 'p"\r\nX-Evil: 1'
    pipeline.save(update_fields=["name"])
    number = run.pipeline_version.number
    response = api.get(f"/api/pipelines/{pipeline.pk}/versions/{number}/export/")
    assert response.status_code == 200, response.content[:300]
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and not response.has_header("X-Evil")
