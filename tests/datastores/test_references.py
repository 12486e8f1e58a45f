"""The data reference forms a document may hold; server paths never pass."""

from __future__ import annotations

import pytest

from designer.datastores.references import DataRef, ReferenceRefused, reference_parse


def test_an_azure_datastore_reference_is_parsed_into_its_store_and_clean_path():
    ref = reference_parse("azureml://datastores/shared/paths/iris/./data.csv")
    assert ref == DataRef("shared", "iris/data.csv")
    assert str(ref) == "azureml://datastores/shared/paths/iris/data.csv"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("/etc/shadow", "server_path_refused"),
        ("../../etc/shadow", "server_path_refused"),
        ("$CONVEYOR_HOME/admin-password.txt", "server_path_refused"),
        ("file:///etc/shadow", "server_path_refused"),
        ("~/secret", "server_path_refused"),
        ("https://example.com/x.csv", "unsupported_data_reference"),
        ("azureml://datastores/shared/paths/../../etc/shadow", "invalid_data_path"),
        ("azureml://datastores/shared/paths//etc/shadow", "invalid_data_path"),
        ("azureml://datastores/shared/paths/", "invalid_data_path"),
        ("azureml://datastores/sha-red/paths/x", "invalid_data_reference"),
        ("", "invalid_data_reference"),
        (42, "invalid_data_reference"),
    ],
)
def test_anything_else_is_refused_with_a_stable_code(value, code):
    with pytest.raises(ReferenceRefused) as caught:
        reference_parse(value)
    assert caught.value.code == code
