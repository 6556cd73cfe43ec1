"""Isaac Lab tasks of dactyl-lab. Importing this package registers them with gymnasium.

Isaac Lab 3's ``isaaclab train/play/list_envs`` import it through the ``isaaclab.tasks`` entry point.
"""

from .reorient import TASK_ID  # noqa: F401  (registers Dactyl-Reorient-Cube-Shadow)

TASK_IDS = (TASK_ID,)
