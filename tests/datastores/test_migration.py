"""Saved documents holding a dataset's server path are moved to the uploads reference."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.django_db

SHA = "ab" * 32


def test_a_saved_absolute_dataset_path_becomes_a_reference_owned_by_the_author(
    home, owner, make_version
):
    from django.apps import apps

    from designer.datastores.models import Dataset
    from designer.pipelines.models import PipelineVersion
    from tests.datastores.conftest import cat_document

    stored = home / "datasets" / SHA / "iris.csv"
    stored.parent.mkdir(parents=True)
    stored.write_text("a,b\n1,2\n")
    version = make_version(cat_document(str(stored)))
    other = make_version(cat_document("/etc/shadow"), name="other")
    migration = importlib.import_module(
        "designer.datastores.migrations.0002_uploads_and_references"
    )
    migration.forward(apps, None)

    version = PipelineVersion.objects.get(pk=version.pk)
    reference = f"azureml://datastores/uploads/paths/{SHA}/iris.csv"
    assert version.document["inputs"]["table"]["default"] == reference
    dataset = Dataset.objects.get(owner=owner, sha256=SHA, name="iris.csv")
    assert (dataset.size, dataset.type) == (8, "uri_file")
    untouched = PipelineVersion.objects.get(pk=other.pk)
    assert untouched.document["inputs"]["table"]["default"] == "/etc/shadow"
