"""The demo_data pipeline: realistic synthetic Home Credit files in data/01_raw (``make data``)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import generate_demo_data, plan_demo_data


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(plan_demo_data, "params:demo_data", "demo_data_plan", name="plan_demo_data_node"),
            Node(
                generate_demo_data,
                ["demo_data_plan", "home_credit_profile"],
                "demo_raw_tables",
                name="generate_demo_data_node",
            ),
        ],
        tags="demo_data",
    )
