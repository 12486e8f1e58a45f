"""The upload accepts the spec the way curl users send it: `-F spec=@component.yml`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

SPEC = """
name: echo_upload
version: 1
type: command
inputs:
  message: {type: string, default: hi}
command: echo ${{inputs.message}}
"""

pytestmark = pytest.mark.django_db


def test_a_spec_sent_as_a_file_in_the_spec_field_is_registered(api: Any) -> None:
    upload = SimpleUploadedFile("component.yml", SPEC.encode(), content_type="text/yaml")
    response = api.post("/api/components/", {"spec": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["ref"] == "echo_upload@1"


def test_a_spec_file_that_is_not_utf8_is_refused_naming_the_field(api: Any) -> None:
    upload = SimpleUploadedFile("component.yml", b"\xff\xfe\x00bad", content_type="text/yaml")
    response = api.post("/api/components/", {"spec": upload}, format="multipart")
    assert response.status_code == 400
    assert "spec" in response.json()["details"]
