"""The REST API's routes (ARCHITECTURE.md, "Interfaces")."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from designer.api.views import auth, compare, components, pipelines, run_labels, runs

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", auth.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/current/", auth.TokenRevokeCurrentView.as_view(), name="auth-token-current"),
    path("auth/tokens/<int:token_id>/", auth.TokenDetailView.as_view(), name="auth-token-detail"),
    path("auth/csrf/", auth.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("meta/", pipelines.MetaView.as_view(), name="meta"),
    path("components/", components.ComponentListView.as_view(), name="component-list"),
    path("components/<str:name>/", components.ComponentDetailView.as_view(), name="component"),
    path(
        "components/<str:name>/versions/<str:version>/",
        components.ComponentVersionView.as_view(),
        name="component-version",
    ),
    path(
        "components/<str:name>/versions/<str:version>/code/",
        components.ComponentCodeView.as_view(),
        name="component-code",
    ),
    path("pipelines/", pipelines.PipelineListView.as_view(), name="pipeline-list"),
    path("pipelines/validate/", pipelines.ValidateView.as_view(), name="pipeline-validate"),
    path("pipelines/<int:pipeline_id>/", pipelines.PipelineDetailView.as_view(), name="pipeline"),
    path(
        "pipelines/<int:pipeline_id>/versions/",
        pipelines.PipelineVersionListView.as_view(),
        name="pipeline-versions",
    ),
    path(
        "pipelines/<int:pipeline_id>/versions/<int:number>/",
        pipelines.PipelineVersionView.as_view(),
        name="pipeline-version",
    ),
    path(
        "pipelines/<int:pipeline_id>/clone/",
        pipelines.PipelineCloneView.as_view(),
        name="pipeline-clone",
    ),
    path(
        "pipelines/<int:pipeline_id>/archive/",
        pipelines.PipelineArchiveView.as_view(),
        name="pipeline-archive",
    ),
    path("runs/", runs.RunListView.as_view(), name="run-list"),
    path("runs/compare/", compare.RunCompareView.as_view(), name="run-compare"),
    path("runs/metrics/", compare.RunMetricsView.as_view(), name="run-metrics"),
    path("runs/<int:run_id>/", runs.RunDetailView.as_view(), name="run"),
    path("runs/<int:run_id>/cancel/", runs.RunCancelView.as_view(), name="run-cancel"),
    path("runs/<int:run_id>/label/", run_labels.RunLabelView.as_view(), name="run-label"),
    path("runs/<int:run_id>/rerun/", runs.RunRerunView.as_view(), name="run-rerun"),
    path("runs/<int:run_id>/events/", runs.RunEventsView.as_view(), name="run-events"),
    path(
        "runs/<int:run_id>/steps/<str:node_id>/log/",
        runs.StepLogView.as_view(),
        name="run-step-log",
    ),
    path(
        "runs/<int:run_id>/steps/<str:node_id>/log/tail/",
        runs.StepLogTailView.as_view(),
        name="run-step-log-tail",
    ),
    path("pipeline-schema/", pipelines.PipelineSchemaView.as_view(), name="pipeline-schema"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

# Azure ML YAML import/export and dataset uploads (issue 7).
from designer.api.views import downloads, yaml_io  # noqa: E402

urlpatterns += [
    path("pipelines/import/", yaml_io.PipelineImportView.as_view(), name="pipeline-import"),
    path(
        "pipelines/<int:pipeline_id>/versions/<int:number>/export/",
        yaml_io.PipelineExportView.as_view(),
        name="pipeline-export",
    ),
    path("datasets/", yaml_io.DatasetListView.as_view(), name="dataset-list"),
    path(
        "runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/",
        downloads.StepOutputView.as_view(),
        name="run-step-output",
    ),
]

# Pipeline templates, "new from template" (issue 6).
from designer.api.views import templates  # noqa: E402

urlpatterns += [
    path("templates/", templates.TemplateListView.as_view(), name="template-list"),
    path(
        "templates/<slug:slug>/instantiate/",
        templates.TemplateInstantiateView.as_view(),
        name="template-instantiate",
    ),
]

# Live runs (issue 5): output previews, single-file downloads, the log in chunks.
from designer.api.views import artifacts  # noqa: E402

_step = "runs/<int:run_id>/steps/<str:node_id>/"
urlpatterns += [
    path(
        _step + "outputs/<str:port>/preview/",
        artifacts.OutputPreviewView.as_view(),
        name="run-step-output-preview",
    ),
    path(
        _step + "outputs/<str:port>/download/",
        artifacts.OutputDownloadView.as_view(),
        name="run-step-output-download",
    ),
    path(_step + "log/chunk/", artifacts.StepLogChunkView.as_view(), name="run-step-log-chunk"),
]

# Datastores (issue 10): granted storage roots, browsed to pick a data input.
from designer.api.views import datastores  # noqa: E402

urlpatterns += [
    path("datastores/", datastores.DatastoreListView.as_view(), name="datastore-list"),
    path("datastores/<str:name>/", datastores.DatastoreDetailView.as_view(), name="datastore"),
    path(
        "datastores/<str:name>/browse/",
        datastores.DatastoreBrowseView.as_view(),
        name="datastore-browse",
    ),
    path(
        "datastores/<str:name>/grants/",
        datastores.DatastoreGrantView.as_view(),
        name="datastore-grants",
    ),
]

from designer.api.views import environments  # noqa: E402

urlpatterns += [
    path("environments/", environments.EnvironmentListView.as_view(), name="environment-list"),
    path(
        "environments/<str:name>/",
        environments.EnvironmentDetailView.as_view(),
        name="environment",
    ),
    path(
        "environments/<str:name>/versions/<str:version>/",
        environments.EnvironmentVersionView.as_view(),
        name="environment-version",
    ),
]

# Column pickers of the designer (issue 14, "Build faster").
from designer.api.views import columns  # noqa: E402
from designer.api.views import datasets as datasets_page  # noqa: E402

urlpatterns += [
    path(
        "pipelines/<int:pipeline_id>/columns/",
        columns.PipelineColumnsView.as_view(),
        name="pipeline-columns",
    ),
    path(
        "datasets/<int:dataset_id>/",
        datasets_page.DatasetDetailView.as_view(),
        name="dataset",
    ),
]
