"""evaluation_order is worked out once per metrics dict: the same order for the same metrics,
and a config copied with other metrics gets its own."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_business
from wbr.engine.config import evaluation_order, load_config
from wbr.engine.config_checks import dependency_order


def test_the_order_is_kept_per_metrics_dict_and_never_shared_as_a_list(tmp_path: Path) -> None:
    config = load_config(write_business(tmp_path))
    first = evaluation_order(config)
    assert first == dependency_order(config)[0]
    assert first.index("conversion") > max(first.index("orders"), first.index("sessions"))
    first.reverse()  # a caller's list is its own
    assert evaluation_order(config) == dependency_order(config)[0]
    fewer = {m: s for m, s in config.metrics.items() if m != "conversion"}
    copied = config.model_copy(update={"metrics": fewer})
    assert evaluation_order(copied) == dependency_order(copied)[0]
    assert "conversion" not in evaluation_order(copied)
    assert "conversion" in evaluation_order(config)
