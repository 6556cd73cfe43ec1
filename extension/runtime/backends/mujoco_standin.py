"""The stand-in "real hand": the rewritten Shadow hand + cube in plain MuJoCo, and a simulated tracker.

Physics (``physics``, the runtime's ``--standin_physics``): ``task`` (default) runs the Newton task's solver
settings in plain MuJoCo (:mod:`dactyl_lab.spec.solver`: CG, 20 iterations, pyramidal cone, implicitfast,
:data:`~dactyl_lab.spec.solver.NUM_SUBSTEPS` MuJoCo steps per 8 ms physics step, the task cube's contact
dimension 3); ``mujoco-default`` keeps the MJCF's own options (Newton solver, Euler) with one 8 ms step and the
MJCF cube's condim 4 (a second simulator's own settings, the parity comparison's ``before`` configuration:
docs/parity.md). Motors map to actuators by name; fingertips are the ``rh_*tip`` sites; MuJoCo's (w, x, y, z)
quaternions become (x, y, z, w).

Episode starts (``start_state``): ``task`` (default) follows the paper (arXiv 1808.00177, C.1) as the task does:
the cube above the palm in a uniformly random orientation, then
:data:`~dactyl_lab.spec.solver.START_RANDOM_ACTION_STEPS` control steps of uniformly random relative actions,
discarding starts that drop the cube; ``yaw`` puts the cube upright with a random yaw, no settling.
Settling takes 2,000 MuJoCo steps, longer than a control period, so the stand-in settles a bank of
``start_bank_size`` start states once, on its first reset (its cost: docs/parity.md, "Start states and goals"),
and each episode starts from one drawn at random (the Newton task keeps a bank of settled starts too).

The tracker adds the paper's object observation noise (position 5 mm correlated per episode + 1 mm per
measurement; orientation 0.1 rad correlated + 0.1 rad per measurement, about random axes) and reports the
pose measured ``latency_steps`` control steps ago, stamped with its measurement time (sim clock [s]).

Fault injection (for drills and tests): :class:`Faults` schedules NaN joint readings and tracker dropouts
(no new measurements, so the reported pose goes stale).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import mujoco
import numpy as np

from dactyl_lab.spec import hand, solver as sim_settings
from dactyl_lab.spec import noise as paper_noise
from dactyl_lab.runtime.interfaces import HandInterface, ObjectPose, PoseSource
from dactyl_lab.runtime.quat import (
    quat_from_axis_angle,
    quat_mul,
    random_quat,
    random_small_rotation,
    xyzw_from_wxyz,
)


def build_standin_model(physics: str = "task", physics_dt_s: float = sim_settings.PHYSICS_DT_S) -> mujoco.MjModel:
    """The rewritten hand + cube + floor with the solver settings ``physics`` (see the module docstring)."""
    from dactyl_lab.assets.shadow_mjcf import build_hand_spec

    if physics not in sim_settings.STANDIN_PHYSICS_CHOICES:
        choices = ", ".join(sim_settings.STANDIN_PHYSICS_CHOICES)
        raise ValueError(f"unknown stand-in physics {physics!r}; choose one of {choices}")
    spec = build_hand_spec(with_cube=True, with_floor=True)
    if physics == "task":
        spec.geom("object").condim = sim_settings.TASK_CUBE_CONDIM
    model = spec.compile()
    if physics == "task":
        for name, value in sim_settings.mujoco_option_values().items():
            setattr(model.opt, name, value)
        model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_MULTICCD  # as in the MuJoCo model Newton builds,
        model.geom_margin[:] = 0.0  # which zeroes geom margins (NATIVECCD; only the thumb's two 1 mm boxes have one)
        model.opt.timestep = physics_dt_s / sim_settings.NUM_SUBSTEPS
    else:
        model.opt.timestep = physics_dt_s
    return model


@dataclass
class Faults:
    nan_joints: list[tuple[str, int, int]] = field(default_factory=list)
    """(joint name, first control step, number of steps) during which that joint reads NaN."""
    pose_dropouts: list[tuple[int, int]] = field(default_factory=list)
    """(first control step, number of steps) during which the tracker measures nothing."""

    def nan_joints_at(self, step: int) -> list[str]:
        return [name for name, start, n in self.nan_joints if start <= step < start + n]

    def dropout_at(self, step: int) -> bool:
        return any(start <= step < start + n for start, n in self.pose_dropouts)


class MujocoStandInHand(HandInterface):
    """Stand-in hand. ``control_step`` counts control periods (ticks) since start."""

    def __init__(
        self,
        physics_dt_s: float = sim_settings.PHYSICS_DT_S,
        substeps: int = 10,
        seed: int = 0,
        fingertip_noise_m: tuple[float, float] = (0.0, 0.0),
        faults: Faults | None = None,
        randomize_cube_yaw: bool = True,
        physics: str = "task",
        start_state: str = "task",
        start_bank_size: int = 8,
    ):
        """``physics_dt_s`` x ``substeps`` is the control period; ``physics`` and ``start_state``: see the module."""
        self.model = build_standin_model(physics, physics_dt_s)
        self.physics = physics
        if start_state not in ("task", "yaw"):
            raise ValueError(f"unknown stand-in start_state {start_state!r}; choose 'task' or 'yaw'")
        self.start_state = start_state
        self.data = mujoco.MjData(self.model)
        self.substeps = substeps
        self.control_period_s = physics_dt_s * substeps
        self.rng = np.random.default_rng(seed)
        self.fingertip_noise_m = fingertip_noise_m
        self.faults = faults or Faults()
        self.randomize_cube_yaw = randomize_cube_yaw
        self.start_bank_size = start_bank_size
        self._start_bank: list[tuple[np.ndarray, np.ndarray]] = []  # (qpos, ctrl) of settled start states
        self.start_attempts = 0
        """Settled start states tried so far (``start_state='task'``; the discarded ones dropped the cube)."""
        self._motor_names = tuple(self.model.actuator(i).name for i in range(self.model.nu))
        self.actuator_id = {name: i for i, name in enumerate(self._motor_names)}
        self.qpos_adr = {name: int(self.model.joint(name).qposadr[0]) for name in hand.JOINT_NAMES}
        self.site_id = {b: self.model.site(s).id for b, s in zip(hand.FINGERTIP_BODY_NAMES, hand.FINGERTIP_SITE_NAMES)}
        self.object_body = self.model.body("object").id
        self.object_qpos = int(self.model.joint("object_joint").qposadr[0])
        self.control_step = 0
        self.commands_sent = 0
        self.sent_targets: list[dict[str, float]] = []
        self.stopped = False
        self._tick_listeners = []
        self.reset_episode()

    @property
    def motor_names(self) -> tuple[str, ...]:
        return self._motor_names

    @property
    def time_s(self) -> float:
        return float(self.data.time)

    def add_tick_listener(self, callback) -> None:
        """``callback()`` after every control step's physics (the simulated tracker measures then)."""
        self._tick_listeners.append(callback)

    def reset_episode(self) -> None:
        time_s = self.data.time
        if self.start_state == "task":
            self._settled_start()
        else:
            mujoco.mj_resetData(self.model, self.data)
            if self.randomize_cube_yaw:
                yaw = self.rng.uniform(-np.pi, np.pi)
                self._set_cube_quat(quat_from_axis_angle([0.0, 0.0, 1.0], yaw))
        self.data.time = time_s  # the clock keeps running across episodes
        self.fingertip_bias_m = self.rng.normal(0.0, self.fingertip_noise_m[0], (len(hand.FINGERTIP_BODY_NAMES), 3))
        mujoco.mj_forward(self.model, self.data)
        for callback in self._tick_listeners:
            callback()

    def _set_cube_quat(self, quat_xyzw) -> None:
        q = np.asarray(quat_xyzw, dtype=np.float64)
        self.data.qpos[self.object_qpos + 3 : self.object_qpos + 7] = [q[3], q[0], q[1], q[2]]

    def _settled_start(self) -> None:
        """Start from a settled state of the bank (built on the first call), the hand holding its last targets."""
        if not self._start_bank:
            self._start_bank = [self._settle_one() for _ in range(self.start_bank_size)]
        qpos, ctrl = self._start_bank[int(self.rng.integers(len(self._start_bank)))]
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[:] = qpos
        self.data.ctrl[:] = ctrl

    def _settle_one(self) -> tuple[np.ndarray, np.ndarray]:
        """Paper C.1: cube on the palm in a random orientation, random actions, drops discarded; (qpos, ctrl).

        The random actions go through the runtime's action law (:class:`~dactyl_lab.runtime.actions.ActionProcessor`
        with the task's layout, :func:`~dactyl_lab.contract.make_action_layout`), so they move the hand as the
        task's action term does. The episode then starts at rest (zero velocities) in the settled pose."""
        from dactyl_lab.contract import make_action_layout
        from dactyl_lab.runtime.actions import ActionProcessor

        home = self.model.body_pos[self.object_body] + [0.0, 0.0, sim_settings.START_CUBE_HEIGHT_M]
        nstep = max(1, round(self.control_period_s / self.model.opt.timestep))
        actions = ActionProcessor(make_action_layout(motor_names=self._motor_names), self.control_period_s)
        for _ in range(sim_settings.START_MAX_ATTEMPTS):
            self.start_attempts += 1
            mujoco.mj_resetData(self.model, self.data)
            self.data.qpos[self.object_qpos : self.object_qpos + 3] = home
            self._set_cube_quat(random_quat(self.rng))
            mujoco.mj_forward(self.model, self.data)
            self.data.ctrl[:] = actions.reset({name: float(self.data.qpos[adr]) for name, adr in self.qpos_adr.items()})
            for _ in range(sim_settings.START_RANDOM_ACTION_STEPS):
                joints = {name: float(self.data.qpos[adr]) for name, adr in self.qpos_adr.items()}
                sent = actions.targets(self.rng.uniform(-1.0, 1.0, len(self._motor_names)), joints)
                actions.commit(sent)
                self.data.ctrl[:] = sent
                mujoco.mj_step(self.model, self.data, nstep=nstep)
            if np.linalg.norm(self.data.xpos[self.object_body] - home) <= sim_settings.START_DROP_DISTANCE_M:
                return self.data.qpos.copy(), self.data.ctrl.copy()
        raise RuntimeError(
            f"the stand-in dropped the cube in all {sim_settings.START_MAX_ATTEMPTS} settled start states; "
            "check the hand model (or use start_state='yaw')"
        )

    def read_joint_positions(self) -> dict[str, float]:
        joints = {name: float(self.data.qpos[adr]) for name, adr in self.qpos_adr.items()}
        for name in self.faults.nan_joints_at(self.control_step):
            joints[name] = float("nan")
        return joints

    def read_fingertip_positions(self) -> dict[str, np.ndarray]:
        tips = {}
        for i, (body, site) in enumerate(self.site_id.items()):
            noise = self.rng.normal(0.0, self.fingertip_noise_m[1], 3) if self.fingertip_noise_m[1] > 0 else 0.0
            tips[body] = self.data.site_xpos[site].copy() + self.fingertip_bias_m[i] + noise
        return tips

    def send_targets(self, targets_rad: dict[str, float]) -> None:
        for name, value in targets_rad.items():
            self.data.ctrl[self.actuator_id[name]] = value
        self.commands_sent += 1
        self.sent_targets.append(dict(targets_rad))

    def tick(self, dt_s: float) -> None:
        steps = max(1, round(dt_s / self.model.opt.timestep))
        mujoco.mj_step(self.model, self.data, nstep=steps)
        mujoco.mj_kinematics(self.model, self.data)  # poses of the new state (mj_step leaves the previous ones)
        self.control_step += 1
        for callback in self._tick_listeners:
            callback()

    def safe_stop(self) -> None:
        self.stopped = True

    def object_pose_true(self) -> tuple[np.ndarray, np.ndarray]:
        """Noise-free cube pose: position [m], (x, y, z, w)."""
        return self.data.xpos[self.object_body].copy(), xyzw_from_wxyz(self.data.xquat[self.object_body])


class SimulatedTracker(PoseSource):
    """Noisy, delayed cube pose from the stand-in; stamps and ``now_s`` are sim time [s]."""

    def __init__(
        self,
        standin: MujocoStandInHand,
        latency_steps: int = 1,
        pos_noise_m: tuple[float, float] = paper_noise.OBJECT_POS_STD_M,
        rot_noise_rad: tuple[float, float] = paper_noise.OBJECT_ROT_STD_RAD,
        seed: int = 1,
    ):
        self.standin = standin
        self.latency_steps = latency_steps
        self.pos_noise_m = pos_noise_m
        self.rot_noise_rad = rot_noise_rad
        self.rng = np.random.default_rng(seed)
        self.history: deque = deque(maxlen=latency_steps + 2)
        self.reset_episode()
        standin.add_tick_listener(self._measure)
        self._measure()

    def reset_episode(self) -> None:
        self.pos_bias_m = self.rng.normal(0.0, self.pos_noise_m[0], 3)
        self.rot_bias = random_small_rotation(self.rng, self.rot_noise_rad[0])

    def _measure(self) -> None:
        step = self.standin.control_step
        if self.standin.faults.dropout_at(step):
            return
        pos, quat = self.standin.object_pose_true()
        pos = pos + self.pos_bias_m + self.rng.normal(0.0, self.pos_noise_m[1], 3)
        quat = quat_mul(random_small_rotation(self.rng, self.rot_noise_rad[1]), quat_mul(self.rot_bias, quat))
        self.history.append((step, ObjectPose(pos, quat / np.linalg.norm(quat), self.standin.time_s)))

    def read_pose(self) -> ObjectPose | None:
        if not self.history:
            return None
        newest_allowed = self.standin.control_step - self.latency_steps
        for step, pose in reversed(self.history):
            if step <= newest_allowed:
                return pose
        return self.history[0][1]  # warm-up: the oldest measurement there is

    def now_s(self) -> float:
        return self.standin.time_s
