"""Dactyl's unmodeled effects (arXiv 1808.00177, App. C.2): action delay, backlash, random object forces and
control-step timing jitter. Each is a small per-env state machine: ``reset(env_ids, adr=None)`` at episode start,
one call per control step. The task's action term builds delay, backlash and timing from its cfg
(:class:`~dactyl_lab.tasks.reorient.mdp.actions.RelativeMotorTargetActionCfg`).

ADR interface: every magnitude is a public per-env tensor (N,), initialised from the cfg, that may be set at any
time and is used from the next reset of that env on: ``ActionDelay.probability``, ``Backlash.scale`` /
``Backlash.std``, ``TimingJitter.rate_low_per_s`` / ``rate_high_per_s``, ``RandomObjectForce.accel_std_mps2``
(``RandomObjectForce.prob`` is the episode's value itself). With a cfg's ``*_adr_param`` name set,
``reset(env_ids, adr=adr)`` writes that magnitude from ``adr.get(name, env_ids)`` first, or from the cfg's value
without a running ADR (:func:`drive_by_adr`): each model reads its own magnitudes, nothing writes them from outside.
``BacklashCfg.scale_adr_param`` and ``TimingJitterCfg.mean_extra_time_adr_param`` take ADR values that map onto the
magnitude (coefficients / scale, ``lambda = 1 / mean extra time``).

Timing jitter and the physics backend: the paper lengthens each 8 ms MuJoCo step by Exp(lambda), so a control
step lasts 80 ms + X of simulated time, X the sum of 10 Exp(lambda) (mean 10/lambda = 1 ... 8 ms). On Isaac Lab 3 /
Newton 1.6.1 one dt is shared by every env: ``SolverMuJoCo.step(..., dt)`` writes the same dt into all worlds
(``opt.timestep.fill_(dt)``; ``timestep`` is excluded from per-world expansion) and there is no per-world step
mask, so neither a per-env physics-dt scale nor a per-env extra substep can be executed. :class:`TimingJitter`
samples the paper's X per env and control step; the action term applies it as a *latency* of X: during the first
X of the control step the motors keep the previous step's targets (whole physics substeps, then one substep
with the target blended by the fraction of it that is late, which gives the same time-integral of the target as
a late arrival by exactly X). Difference from the paper: the simulated time per control step stays 80 ms instead
of 80 ms + X (1 ... 8 ms per step on average, 1.25 ... 10 %), and the new command acts for 80 ms - X instead of
80 ms + X; the magnitude and distribution of X per control step are the paper's.
"""

from __future__ import annotations


import torch

from isaaclab.utils import configclass

from dactyl_lab.spec import action_law, hand
from dactyl_lab.spec import randomization as paper
from dactyl_lab.spec.action_law import PAPER_CONTROL_PERIOD_S

from .distributions import resolve_env_ids, sample_log_uniform, sample_uniform


def drive_by_adr(magnitude: torch.Tensor, env_ids: torch.Tensor, adr_param: str | None, adr, fixed: float) -> None:
    """A per-env magnitude at reset: ``adr.get(adr_param, env_ids)`` when ADR drives it, the cfg's ``fixed`` value
    when an ADR parameter is named but no ADR is running; with no ADR parameter the values stay what they are (the
    cfg's value, or what a caller set)."""
    if adr_param is None:
        return
    if adr is not None and adr.enabled:
        magnitude[env_ids] = adr.get(adr_param, env_ids).to(magnitude)
    else:
        magnitude[env_ids] = float(fixed)


def adr_values(adr, adr_param: str | None, env_ids: torch.Tensor) -> torch.Tensor | None:
    """``adr.get(adr_param, env_ids)`` when a running ADR drives ``adr_param``, else None (use the cfg's value)."""
    if adr_param is None or adr is None or not adr.enabled:
        return None
    return adr.get(adr_param, env_ids)


# --------------------------------------------------------------------------------------------- delay
@configclass
class ActionDelayCfg:
    enabled: bool = True
    probability: float = paper.ACTION_DELAY_PROBABILITY
    """Per-episode probability that each actuator is delayed by one control step."""
    probability_adr_param: str | None = None


class ActionDelay:
    """One-step delay on a per-episode random subset of actuators: delayed actuators get the previous
    step's action. The first step after a reset uses ``initial_action`` if given, else the current one."""

    def __init__(self, cfg: ActionDelayCfg, num_envs: int, num_actions: int, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.delayed = torch.zeros((num_envs, num_actions), dtype=torch.bool, device=self.device)
        self.probability = torch.full((num_envs,), float(cfg.probability), device=self.device)
        """Per-env probability that an actuator is delayed (N,), drawn against at each reset."""
        self.prev = torch.zeros((num_envs, num_actions), device=self.device)
        self.has_prev = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def reset(self, env_ids=None, initial_action: torch.Tensor | None = None, adr=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        drive_by_adr(self.probability, ids, self.cfg.probability_adr_param, adr, self.cfg.probability)
        u = torch.rand((ids.numel(), self.delayed.shape[1]), device=self.device, generator=self.generator)
        self.delayed[ids] = u < self.probability[ids, None]
        if initial_action is None:
            self.has_prev[ids] = False
        else:
            self.prev[ids] = initial_action.to(self.prev)
            self.has_prev[ids] = True

    def __call__(self, actions: torch.Tensor) -> torch.Tensor:
        """Delayed actions (N, M); records ``actions`` as the next step's previous action."""
        if not self.cfg.enabled:
            return actions
        prev = torch.where(self.has_prev[:, None], self.prev, actions)
        out = torch.where(self.delayed, prev, actions)
        self.prev = actions.detach().clone()
        self.has_prev[:] = True
        return out


# --------------------------------------------------------------------------------------------- backlash
@configclass
class BacklashCfg:
    """Dactyl's slack model of backlash (arXiv 1808.00177, App. C.2) with OpenAI robogym's calibrated amounts.

    Per motor a slack state ``s`` in [-1, 1] and two coefficients ``c_-1``, ``c_+1`` [1 / (rad s)] (one per
    direction). Each control step of ``dt_s`` seconds with command offset ``e = a * scale_rad`` (the normalized
    action ``a`` times the motor's action scale) moves ``s <- clip(s + e * c_sign(a) * dt_s, -1, 1)``, and the
    action is scaled by ``alpha``: the fraction of the step's slack travel left once ``s`` has reached the side
    ``a`` pushes toward (0 while the slack is taken up for the whole step, 1 once ``s`` is at that side). A full
    reversal swallows ``2 / c`` rad s of commanded offset, whatever the action scale: ``2 / (c x 0.08 s)`` rad summed
    over 80 ms steps (docs/randomization.md measures it per joint group).

    Amounts and per-episode variation are robogym's (``dactyl_lab.spec.randomization.BACKLASH_LOG_COEF_PER_RAD_S``):
    per episode, motor and direction ``log c = log c_cal x (1 + std z)``, z ~ N(0, 1), std 0.1 relative on the log,
    then ``c / scale`` (ADR's ``backlash_scale``: scale 0, ADR's start, is no backlash; 2 doubles the slack),
    bounded below by ``min_coef_per_rad_s``.
    """

    enabled: bool = True
    log_coef_per_rad_s: dict[str, tuple[float, float]] = dict(paper.BACKLASH_LOG_COEF_PER_RAD_S)
    """Per motor name: (log coefficient toward negative, toward positive angles) [log 1 / (rad s)] (robogym)."""
    std: float = paper.BACKLASH_STD
    """Std of the per-episode variation, relative on the log of each coefficient (robogym: 0.1)."""
    scale: float = 1.0
    """Slack amount relative to the calibrated one without ADR (coefficients divided by it; 0: no backlash)."""
    min_coef_per_rad_s: float = paper.BACKLASH_MIN_COEF_PER_RAD_S
    """Lower bound of an episode's coefficient (robogym's 2: at most 12.5 rad of slack per reversal at 80 ms)."""
    reference_period_s: float = PAPER_CONTROL_PERIOD_S
    """The period :attr:`Backlash.delta` refers to (the paper's control step)."""
    std_adr_param: str | None = None
    scale_adr_param: str | None = None
    """ADR parameter of the slack amount (``presets=adr``: ``backlash_scale``): this episode's coefficients are the
    drawn ones divided by the value per env (value 0, ADR's start: no slack at all); ``scale`` without ADR."""


class Backlash:
    """Per-env per-motor slack model on normalized actions (N, M); see :class:`BacklashCfg`.

    ``motor_names`` (default: the hand's 20 motors in action order) pick each column's coefficients from the cfg;
    ``scale_rad`` (M,) is each motor's action scale [rad per unit action] (default: half its range, the task's)."""

    def __init__(
        self,
        cfg: BacklashCfg,
        num_envs: int,
        num_motors: int,
        control_dt_s: float = PAPER_CONTROL_PERIOD_S,
        device="cpu",
        generator=None,
        scale_rad: torch.Tensor | None = None,
        motor_names: tuple[str, ...] = hand.MOTOR_NAMES,
    ):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.dt = float(control_dt_s) / cfg.reference_period_s
        self.control_dt_s = float(control_dt_s)
        if len(motor_names) != num_motors:
            raise ValueError(
                f"Backlash: {num_motors} motors but {len(motor_names)} motor names; pass motor_names= for each column"
            )
        missing = [m for m in motor_names if m not in cfg.log_coef_per_rad_s]
        if missing:
            raise KeyError(f"BacklashCfg.log_coef_per_rad_s has no coefficients for {missing}; add them to the cfg")
        self.log_coef = torch.tensor([cfg.log_coef_per_rad_s[m] for m in motor_names], device=self.device)
        """Calibrated (toward -, toward +) log coefficients per motor (M, 2)."""
        if scale_rad is None:
            scales = action_law.half_range_scale_rad(hand.MOTOR_LIMITS_RAD)
            scale_rad = torch.tensor([scales[m] for m in motor_names])
        self.scale_rad = torch.as_tensor(scale_rad, dtype=torch.float32).to(self.device).reshape(num_motors)
        self.slack = torch.zeros((num_envs, num_motors), device=self.device)
        """Slack state s in [-1, 1] per motor."""
        self.coef_per_rad_s = self.log_coef.exp().expand(num_envs, -1, -1).clone()
        """This episode's (c_-1, c_+1) per env and motor [1 / (rad s)] (N, M, 2)."""
        self.delta = torch.zeros_like(self.coef_per_rad_s)
        """The same per unit normalized action and ``reference_period_s``: ``c x scale_rad x reference period``."""
        self._set_delta(torch.arange(num_envs, device=self.device))
        self.scale = torch.full((num_envs,), float(cfg.scale), device=self.device)
        self.std = torch.full((num_envs,), float(cfg.std), device=self.device)
        """Per-env slack scale and relative log std (N,) of the next draws (ADR may set them)."""
        self.alpha = torch.ones((num_envs, num_motors), device=self.device)
        """The last step's action scale per motor."""

    def _set_delta(self, ids: torch.Tensor) -> None:
        self.delta[ids] = self.coef_per_rad_s[ids] * self.scale_rad[:, None] * self.cfg.reference_period_s

    def reset(self, env_ids=None, adr=None) -> None:
        """New episode: magnitudes (ADR if configured), new coefficients, slack state uniform in [-1, 1] (unknown)."""
        ids, c = resolve_env_ids(env_ids, self.num_envs, self.device), self.cfg
        drive_by_adr(self.scale, ids, c.scale_adr_param, adr, c.scale)
        drive_by_adr(self.std, ids, c.std_adr_param, adr, c.std)
        z = torch.randn((ids.numel(), *self.log_coef.shape), device=self.device, generator=self.generator)
        coef = torch.exp(self.log_coef * (1.0 + self.std[ids, None, None] * z))
        coef = coef / self.scale[ids, None, None].clamp_min(1e-6)  # scale 0: c -> 1e6 x c, no slack left
        self.coef_per_rad_s[ids] = coef.clamp(min=c.min_coef_per_rad_s)
        self._set_delta(ids)
        self.slack[ids] = sample_uniform(-1.0, 1.0, (ids.numel(), self.slack.shape[1]), self.device, self.generator)
        self.alpha[ids] = 1.0

    def reversal_slack_rad(self) -> torch.Tensor:
        """Commanded offset a full reversal swallows, per env, motor and direction [rad] (N, M, 2), summed over
        control steps of this model's period: ``2 / (c x control period)``."""
        return 2.0 / (self.coef_per_rad_s * self.control_dt_s)

    def __call__(self, actions: torch.Tensor) -> torch.Tensor:
        """``alpha * actions`` (N, M); advances the slack state by one control step."""
        if not self.cfg.enabled:
            return actions
        push = actions >= 0.0
        delta = torch.where(push, self.delta[..., 1], self.delta[..., 0])
        travel = actions.abs() * delta * self.dt  # how far the slack state could move this step
        needed = torch.where(push, 1.0 - self.slack, 1.0 + self.slack)  # distance to the side the action pushes
        self.alpha = ((travel - needed) / travel.clamp(min=1e-9)).clamp(0.0, 1.0)
        self.slack = (self.slack + actions * delta * self.dt).clamp(-1.0, 1.0)
        return self.alpha * actions


# --------------------------------------------------------------------------------------------- forces
@configclass
class RandomForceCfg:
    enabled: bool = True
    probability_range: tuple[float, float] = paper.OBJECT_FORCE_PROBABILITY_RANGE
    """Per-episode probability p ~ logU[0.1 %, 10 %] per ``decay_interval_s`` (the paper's step)."""
    accel_std_mps2: float = paper.OBJECT_FORCE_ACCEL_STD_MPS2
    """Std of each force component per unit object mass [m/s^2] (force std = this x mass)."""
    accel_std_adr_param: str | None = None
    """ADR parameter of that std [m/s^2] (``presets=adr``: ``object_force_accel_std_mps2``), per env and episode."""
    decay: float = paper.OBJECT_FORCE_DECAY
    """Force decays by this factor per ``decay_interval_s``."""
    decay_interval_s: float = PAPER_CONTROL_PERIOD_S
    """The paper's 80 ms control step."""


class RandomObjectForce:
    """Random perturbation force on the object [N], world frame: each step with probability p the force is
    replaced by N(0, (accel_std x mass)^2) per axis, otherwise it decays. Apply the returned force to the
    object's centre of mass (e.g. via the rigid object's external wrench API) every step."""

    def __init__(self, cfg: RandomForceCfg, num_envs: int, control_dt_s: float, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.decay_per_step = cfg.decay ** (control_dt_s / cfg.decay_interval_s)
        self.steps_per_interval = control_dt_s / cfg.decay_interval_s
        """Control steps per paper step: the per-step probability is ``1 - (1 - p) ** steps_per_interval``."""
        self.prob = torch.zeros(num_envs, device=self.device)
        self.accel_std_mps2 = torch.full((num_envs,), float(cfg.accel_std_mps2), device=self.device)
        """Per-env std of each new force component per unit mass [m/s^2] (ADR may drive it)."""
        self.force = torch.zeros((num_envs, 3), device=self.device)
        """Current force [N]."""

    def reset(self, env_ids=None, adr=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        drive_by_adr(self.accel_std_mps2, ids, self.cfg.accel_std_adr_param, adr, self.cfg.accel_std_mps2)
        lo, hi = self.cfg.probability_range
        self.prob[ids] = sample_log_uniform(lo, hi, (ids.numel(),), self.device, self.generator)
        self.force[ids] = 0.0

    def step(self, mass_kg) -> torch.Tensor:
        """Advance one control step; ``mass_kg`` scalar or (N,) / (N, 1). Returns forces (N, 3) [N]."""
        if not self.cfg.enabled:
            return torch.zeros_like(self.force)
        mass = torch.as_tensor(mass_kg, dtype=torch.float32, device=self.device).reshape(-1, 1)
        prob = 1.0 - (1.0 - self.prob) ** self.steps_per_interval
        fire = torch.rand(self.num_envs, device=self.device, generator=self.generator) < prob
        new = torch.randn((self.num_envs, 3), device=self.device, generator=self.generator)
        new = new * self.accel_std_mps2[:, None] * mass
        self.force = torch.where(fire[:, None], new, self.force * self.decay_per_step)
        return self.force


# --------------------------------------------------------------------------------------------- timing
@configclass
class TimingJitterCfg:
    enabled: bool = True
    rate_range_per_s: tuple[float, float] = paper.TIMING_RATE_RANGE_PER_S
    """lambda ~ U[1250, 10000] 1/s per episode; each paper physics step takes Exp(lambda) extra time."""
    jitter_events_per_control_step: int = 10
    """How many Exp(lambda) extra times add up per control step: the paper had 10 MuJoCo steps of 8 ms per
    80 ms control step, so the mean extra time per control step is 10/lambda = 1 ... 8 ms."""
    rate_low_adr_param: str | None = None
    rate_high_adr_param: str | None = None
    mean_extra_time_adr_param: str | None = None
    """ADR parameter of the mean extra time per paper physics step [s] (``presets=adr``: ``timing_extra_step_time_s``,
    the paper's 1 / lambda): this episode's lambda is ``1 / value`` per env; ``rate_range_per_s`` without ADR."""


class TimingJitter:
    """Per-env extra control-step time [s] (see the module docstring for what the backend can use)."""

    def __init__(self, cfg: TimingJitterCfg, num_envs: int, control_dt_s: float, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.control_dt_s = control_dt_s
        lo, hi = (float(v) for v in cfg.rate_range_per_s)
        self.rate_low_per_s = torch.full((num_envs,), lo, device=self.device)
        self.rate_high_per_s = torch.full((num_envs,), hi, device=self.device)
        """Per-env bounds (N,) of the next episode's lambda (ADR may set them)."""
        self.rate_per_s = torch.full((num_envs,), hi, device=self.device)
        self.extra_time_s = torch.zeros(num_envs, device=self.device)
        """Extra time of the current control step [s]."""

    def reset(self, env_ids=None, adr=None) -> None:
        ids, c = resolve_env_ids(env_ids, self.num_envs, self.device), self.cfg
        drive_by_adr(self.rate_low_per_s, ids, c.rate_low_adr_param, adr, c.rate_range_per_s[0])
        drive_by_adr(self.rate_high_per_s, ids, c.rate_high_adr_param, adr, c.rate_range_per_s[1])
        if c.mean_extra_time_adr_param is not None:
            mean_s = adr_values(adr, c.mean_extra_time_adr_param, ids)
            low, high = (c.rate_range_per_s[0], c.rate_range_per_s[1]) if mean_s is None else (0.0, 0.0)
            rate = None if mean_s is None else 1.0 / mean_s.to(self.rate_low_per_s).clamp_min(1e-9)
            self.rate_low_per_s[ids] = low if rate is None else rate
            self.rate_high_per_s[ids] = high if rate is None else rate
        u = torch.rand(ids.numel(), device=self.device, generator=self.generator)
        low, high = self.rate_low_per_s[ids], self.rate_high_per_s[ids]
        self.rate_per_s[ids] = low + (high - low) * u

    def step(self) -> torch.Tensor:
        """Draw this control step's extra time (N,) [s]: a sum of ``jitter_events_per_control_step`` Exp(lambda)."""
        if not self.cfg.enabled:
            self.extra_time_s = torch.zeros_like(self.extra_time_s)
            return self.extra_time_s
        k = self.cfg.jitter_events_per_control_step
        u = torch.rand((self.num_envs, k), device=self.device, generator=self.generator)
        self.extra_time_s = (-torch.log1p(-u) / self.rate_per_s[:, None]).sum(-1)
        return self.extra_time_s

    @property
    def dt_scale(self) -> torch.Tensor:
        """(control_dt + extra) / control_dt per env: a per-env physics-dt scale (not executable on Newton)."""
        return 1.0 + self.extra_time_s / self.control_dt_s

    def extra_substep_fraction(self, physics_dt_s: float) -> torch.Tensor:
        """Extra time in units of physics substeps (not executable per env on Newton)."""
        return self.extra_time_s / physics_dt_s

    def latency_substeps(self, physics_dt_s: float, decimation: int) -> torch.Tensor:
        """This step's extra time as a latency in (fractional) physics substeps (N,), in [0, decimation]."""
        return self.extra_substep_fraction(physics_dt_s).clamp(0.0, float(decimation))


def late_target_weight(latency_substeps: torch.Tensor, substep: int) -> torch.Tensor:
    """Weight (N,) of the new target in physics substep ``substep`` (0-based) of a control step whose command
    arrives ``latency_substeps`` late: 0 while it has not arrived, the arrived fraction in the substep it arrives
    in, 1 after. Sending ``previous + weight * (new - previous)`` keeps the time-integral of the target exact."""
    return (substep + 1.0 - latency_substeps).clamp(0.0, 1.0)
