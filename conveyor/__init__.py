"""Conveyor's Python SDK: build pipelines in code, submit and follow runs.

from conveyor import Client, Input, load_component, pipeline
"""

from conveyor.client import ApiError, Client
from conveyor.dsl import Component, Input, Output, PipelineJob, load_component, pipeline

__all__ = [
    "ApiError",
    "Client",
    "Component",
    "Input",
    "Output",
    "PipelineJob",
    "load_component",
    "pipeline",
]
