"""The project's configuration as Kedro reads it, for the processes that run outside a Kedro session (the
scoring API, the dashboard, ``scripts/serve``).

One reader, Kedro's own ``OmegaConfigLoader`` with the project's settings: ``conf/base`` then the run
environment (``$KEDRO_ENV``, default ``local``), every ``credentials*`` file of it, the same duplicate-key
checks and the same ``${oc.env:...}`` rules as ``kedro run``. A service therefore sees exactly what a pipeline
sees, and a file that would break ``kedro run`` breaks the service with the same message.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from kedro.config import MissingConfigException, OmegaConfigLoader
from omegaconf.errors import OmegaConfBaseException

from credit_scoring.settings import CONFIG_LOADER_ARGS

ENV_VARIABLE = "KEDRO_ENV"
LOCAL_CREDENTIALS = Path("conf/local/credentials.yml")
"""Where the project itself writes a secret (a generated API key), merged into what the file holds."""


def config_loader(root: Path, env: str | None = None) -> OmegaConfigLoader:
    """Kedro's loader over ``root/conf`` (environment: ``env``, else ``$KEDRO_ENV``, else ``local``; ``base``
    alone when that environment's folder does not exist, as in a container without ``conf/local``)."""
    conf = Path(root) / "conf"
    env = env or os.environ.get(ENV_VARIABLE) or CONFIG_LOADER_ARGS["default_run_env"]
    if not (conf / env).is_dir():
        env = CONFIG_LOADER_ARGS["base_env"]
    return OmegaConfigLoader(conf_source=str(conf), env=env, **CONFIG_LOADER_ARGS)


def read_config(root: Path, kind: str, env: str | None = None) -> dict[str, Any]:
    """The merged configuration of one kind (``credentials``, ``parameters``, ``app``...); empty when no file
    of that kind exists. A file Kedro cannot read is a ``ValueError`` naming the folder and the kind."""
    with warnings.catch_warnings():  # Kedro registers resolvers through a deprecated OmegaConf call
        warnings.filterwarnings("ignore", message="register_new_resolver", category=UserWarning)
        loader = config_loader(root, env)
        try:
            return dict(loader[kind])
        except MissingConfigException:
            return {}
        except (ValueError, OmegaConfBaseException) as error:
            raise ValueError(f"{loader.conf_source}: the {kind} files cannot be read: {error}") from error
