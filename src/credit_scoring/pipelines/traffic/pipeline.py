"""Traffic pipeline (`make simulate`): generated applicants replayed month by month through the scoring API,
their outcomes written with the label delay. Run in the ``simulation`` environment, whose decision log and
outcome folder are the simulation's own."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.traffic import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.replay_traffic,
                inputs=["params:traffic", "params:demo_data", "params:performance"],
                outputs=["traffic_outcomes", "traffic_manifest"],
                name="replay_traffic_node",
            )
        ]
    )
