"""Dactyl's observation noise (arXiv 1808.00177, Table 7, App. C.2): correlated (per episode) + uncorrelated (per
step) Gaussian noise on the policy's fingertip positions, object position and object orientation; misplaced
motion-capture markers (fingertip markers 3 mm in the fingertip's frame, the hand-base marker 1 mm, drawn per
episode); per-marker dropout; and marker occlusion (a marker holds its last reading while another finger or the
cube is near its nail site, :func:`nail_site_occlusion`). Noise applies to policy inputs only; the value function
stays noiseless.

Call each ``apply_*`` exactly once per control step (Isaac Lab computes observations once per step):
every call draws new uncorrelated noise and advances the dropout clock. Call :meth:`ObservationNoise.reset`
from a reset event for the envs being reset (after ``adr.resample`` when ADR drives the magnitudes).
"""

from __future__ import annotations

import torch

import isaaclab.utils.math as math_utils
from isaaclab.utils import configclass

from dactyl_lab.spec import noise as paper_noise

from .distributions import per_step_probability, resolve_env_ids
from .mapping import adr_or_fixed
from .noise import CorrelatedGaussianNoise
from .rotations import random_rotation_xyzw


@configclass
class NoiseTermCfg:
    """Correlated / uncorrelated std of one observation term (units of the term: m, or rad for rotations)."""

    enabled: bool = True
    correlated_std: float = 0.0
    uncorrelated_std: float = 0.0
    correlated_adr_param: str | None = None
    """ADR parameter that replaces ``correlated_std`` per env when an ADR object is passed to reset."""
    uncorrelated_adr_param: str | None = None


@configclass
class MarkerDropoutCfg:
    """Fingertip marker dropout: a dropout starts with rate ``rate_per_s`` (Poisson, per-step probability
    1 - exp(-rate * dt)) while the markers are visible and lasts ``duration_s`` (rounded to whole control
    steps), holding the last observed value. Onsets are drawn only while not already dropped (a new one
    may start on the step right after a dropout ends), so the rate is per second of *visible* time and
    the fraction of time dropped is about r*D / (1 + r*D) (~0.17 for 0.2/s and 1 s)."""

    enabled: bool = True
    rate_per_s: float = paper_noise.MARKER_DROPOUT_RATE_PER_S
    duration_s: float = paper_noise.MARKER_DROPOUT_DURATION_S
    per_fingertip: bool = True
    """True (paper: "some markers"): each fingertip marker drops independently; False: all five together."""


@configclass
class MarkerMisplacementCfg:
    """Misplaced motion-capture markers (paper, Table 7; correlated: drawn per episode, Gaussian std per axis).

    A fingertip marker sits ``N(0, fingertip_std_m^2)`` per axis off its nominal point, in the fingertip's own
    frame (it moves with the finger); the hand-base marker's error ``N(0, hand_base_std_m^2)`` per axis shifts the
    frame every marker reading is expressed in: all fingertips and the cube position by the same offset."""

    enabled: bool = True
    fingertip_std_m: float = paper_noise.FINGERTIP_MARKER_MISPLACEMENT_STD_M
    hand_base_std_m: float = paper_noise.HAND_BASE_MARKER_MISPLACEMENT_STD_M
    fingertip_adr_param: str | None = None
    hand_base_adr_param: str | None = None


@configclass
class MarkerOcclusionCfg:
    """Marker occlusion (paper, App. C.2): a fingertip marker holds its last reading while another finger or the
    cube is within ``distance_m`` of its nail site (a point on the back of the distal phalanx, where the real
    hand's marker sits). Computed from body poses in the task (:func:`nail_site_occlusion`)."""

    enabled: bool = True
    distance_m: float = paper_noise.MARKER_OCCLUSION_DISTANCE_M
    """Surface distance [m] below which the nail site counts as touched (the paper's site is a few mm small)."""


def _paper_term(std: tuple[float, float]) -> NoiseTermCfg:
    """A noise term with the paper's (correlated, uncorrelated) std (:mod:`dactyl_lab.spec.noise`)."""
    return NoiseTermCfg(correlated_std=std[0], uncorrelated_std=std[1])


@configclass
class ObservationNoiseCfg:
    """Paper defaults: fingertips 1 / 2 mm, object position 5 / 1 mm, object orientation 0.1 / 0.1 rad."""

    enabled: bool = True
    fingertip_pos: NoiseTermCfg = _paper_term(paper_noise.FINGERTIP_POS_STD_M)
    """Fingertip positions [m]."""
    object_pos: NoiseTermCfg = _paper_term(paper_noise.OBJECT_POS_STD_M)
    """Object position [m]."""
    object_rot: NoiseTermCfg = _paper_term(paper_noise.OBJECT_ROT_STD_RAD)
    """Object orientation [rad]: angle std of a random rotation about a uniformly random axis."""
    dropout: MarkerDropoutCfg = MarkerDropoutCfg()
    misplacement: MarkerMisplacementCfg = MarkerMisplacementCfg()
    occlusion: MarkerOcclusionCfg = MarkerOcclusionCfg()


class MarkerDropout:
    """Hold-last-value dropout over ``(N, M, ...)`` marker observations (M markers)."""

    def __init__(
        self, cfg: MarkerDropoutCfg, num_envs: int, num_markers: int, control_dt_s: float, device="cpu", generator=None
    ):
        self.cfg, self.num_envs, self.num_markers = cfg, num_envs, num_markers
        self.device, self.generator = torch.device(device), generator
        self.step_prob = per_step_probability(cfg.rate_per_s, control_dt_s)
        self.duration_steps = max(1, int(cfg.duration_s / control_dt_s + 0.5))
        self.steps_left = torch.zeros((num_envs, num_markers), dtype=torch.long, device=self.device)
        self.has_last = torch.zeros(num_envs, dtype=torch.bool, device=self.device)
        self.held: torch.Tensor | None = None
        self.dropped = torch.zeros((num_envs, num_markers), dtype=torch.bool, device=self.device)
        """Which markers the last call held (read-only diagnostics)."""
        self.started = torch.zeros((num_envs, num_markers), dtype=torch.bool, device=self.device)
        """Which markers started a dropout on the last call (read-only diagnostics)."""
        self.occluded = torch.zeros((num_envs, num_markers), dtype=torch.bool, device=self.device)
        """Which markers the last call held because of the ``hold`` mask (occlusion; read-only diagnostics)."""

    def reset(self, env_ids=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        self.steps_left[ids] = 0
        self.has_last[ids] = False
        self.dropped[ids] = False
        self.started[ids] = False
        self.occluded[ids] = False

    def __call__(self, x: torch.Tensor, hold: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` (N, M, ...) -> x with dropped markers replaced by their last output. ``hold`` (N, M) bool: markers
        to hold this step for another reason (occlusion), also when dropout itself is disabled."""
        if self.held is None or self.held.shape != x.shape:
            self.held = x.detach().clone()
        if not self.cfg.enabled and hold is None:  # keep the last reading for an occlusion on the next step
            self.held = x.detach().clone()
            self.has_last[:] = True
            return x
        if self.cfg.enabled:
            cols = self.num_markers if self.cfg.per_fingertip else 1
            u = torch.rand((self.num_envs, cols), device=self.device, generator=self.generator)
            start = (u < self.step_prob).expand(-1, self.num_markers) & (self.steps_left == 0) & self.has_last[:, None]
            self.started = start
            self.steps_left = torch.where(start, torch.full_like(self.steps_left, self.duration_steps), self.steps_left)
            self.dropped = self.steps_left > 0
        held = self.dropped if hold is None else self.dropped | (hold & self.has_last[:, None])
        self.occluded = torch.zeros_like(self.dropped) if hold is None else hold & self.has_last[:, None]
        mask = held.view(*held.shape, *([1] * (x.dim() - 2)))
        out = torch.where(mask, self.held, x)
        self.held = out.detach().clone()
        self.steps_left = (self.steps_left - 1).clamp(min=0)
        self.has_last[:] = True
        return out


class ObservationNoise:
    """Per-env observation noise state for N envs with ``num_fingertips`` fingertips.

    Methods take and return all N envs: fingertips (N, F, 3) or (N, 3F) [m], object position (N, 3) [m],
    object orientation (N, 4) xyzw unit quaternions.
    """

    def __init__(
        self,
        cfg: ObservationNoiseCfg,
        num_envs: int,
        control_dt_s: float,
        num_fingertips: int = 5,
        device="cpu",
        generator: torch.Generator | None = None,
    ):
        self.cfg, self.num_envs, self.num_fingertips = cfg, num_envs, num_fingertips
        self.device, self.generator = torch.device(device), generator
        ft, op, orot = cfg.fingertip_pos, cfg.object_pos, cfg.object_rot
        self.fingertip_noise = CorrelatedGaussianNoise(
            num_envs, (num_fingertips, 3), ft.correlated_std, ft.uncorrelated_std, None, device, generator
        )
        self.object_pos_noise = CorrelatedGaussianNoise(
            num_envs, (3,), op.correlated_std, op.uncorrelated_std, None, device, generator
        )
        self.rot_corr_std = torch.full((num_envs,), float(orot.correlated_std), device=self.device)
        self.rot_uncorr_std = torch.full((num_envs,), float(orot.uncorrelated_std), device=self.device)
        self.rot_bias = torch.zeros((num_envs, 4), device=self.device)
        self.rot_bias[:, 3] = 1.0
        self.dropout = MarkerDropout(cfg.dropout, num_envs, num_fingertips, control_dt_s, device, generator)
        self.marker_offset_b = torch.zeros((num_envs, num_fingertips, 3), device=self.device)
        """This episode's fingertip-marker misplacement in each fingertip's frame [m]."""
        self.base_offset = torch.zeros((num_envs, 3), device=self.device)
        """This episode's hand-base-marker misplacement [m]: shifts every marker reading (fingertips, cube)."""

    def reset(self, env_ids=None, adr=None) -> None:
        """New episode for ``env_ids``: magnitudes from ADR if given and configured, new correlated noise,
        dropout cleared."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        c = self.cfg
        for term, noise in ((c.fingertip_pos, self.fingertip_noise), (c.object_pos, self.object_pos_noise)):
            noise.set_std(
                ids,
                adr_or_fixed(term.correlated_std, term.correlated_adr_param, adr, ids, self.num_envs, self.device),
                adr_or_fixed(term.uncorrelated_std, term.uncorrelated_adr_param, adr, ids, self.num_envs, self.device),
            )
            noise.reset(ids)
        r = c.object_rot
        self.rot_corr_std[ids] = adr_or_fixed(
            r.correlated_std, r.correlated_adr_param, adr, ids, self.num_envs, self.device
        )
        self.rot_uncorr_std[ids] = adr_or_fixed(
            r.uncorrelated_std, r.uncorrelated_adr_param, adr, ids, self.num_envs, self.device
        )
        self.rot_bias[ids] = random_rotation_xyzw(self.rot_corr_std[ids], (ids.numel(),), self.device, self.generator)
        self.dropout.reset(ids)
        m, n = c.misplacement, self.num_envs
        on = float(self.cfg.enabled and m.enabled)
        tip_std = on * adr_or_fixed(m.fingertip_std_m, m.fingertip_adr_param, adr, ids, n, self.device)
        base_std = on * adr_or_fixed(m.hand_base_std_m, m.hand_base_adr_param, adr, ids, n, self.device)
        z = torch.randn((ids.numel(), self.num_fingertips + 1, 3), device=self.device, generator=self.generator)
        self.marker_offset_b[ids] = z[:, :-1] * tip_std[:, None, None]
        self.base_offset[ids] = z[:, -1] * base_std[:, None]

    def _on(self, term: NoiseTermCfg) -> bool:
        return self.cfg.enabled and term.enabled

    def apply_fingertip_pos(
        self, pos: torch.Tensor, body_quat_xyzw: torch.Tensor | None = None, occluded: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Fingertip marker readings [m], same shape as ``pos``: misplaced markers (``body_quat_xyzw`` (N, F, 4), the
        fingertips' orientations, turns each marker's offset with its finger; None: offsets in the env frame), the
        hand-base marker's offset, correlated + uncorrelated noise, then dropped or ``occluded`` (N, F) markers
        hold their last reading."""
        x = pos.reshape(self.num_envs, self.num_fingertips, 3)
        if not self.cfg.enabled:
            return pos
        if self.cfg.misplacement.enabled:
            offset = self.marker_offset_b if body_quat_xyzw is None else _rotate(body_quat_xyzw, self.marker_offset_b)
            x = x + offset + self.base_offset[:, None, :]
        if self._on(self.cfg.fingertip_pos):
            x = self.fingertip_noise(x)
        hold = occluded if self.cfg.occlusion.enabled else None
        x = self.dropout(x, hold)
        return x.reshape(pos.shape)

    def apply_object_pos(self, pos: torch.Tensor) -> torch.Tensor:
        """Noisy object position (N, 3) [m], in the frame of the (misplaced) hand-base marker."""
        if not self._on(self.cfg.object_pos):
            return pos
        return self.object_pos_noise(pos + self.base_offset if self.cfg.misplacement.enabled else pos)

    def apply_object_quat(self, quat_xyzw: torch.Tensor) -> torch.Tensor:
        """Noisy object orientation: q_corr * q_step * q (world-frame rotations), unit xyzw quaternions."""
        if not self._on(self.cfg.object_rot):
            return quat_xyzw
        step = random_rotation_xyzw(self.rot_uncorr_std, (self.num_envs,), self.device, self.generator)
        q = math_utils.quat_mul(self.rot_bias, math_utils.quat_mul(step, quat_xyzw))
        return q / q.norm(dim=-1, keepdim=True)


def _rotate(q_xyzw: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q_xyzw`` (..., 4)."""
    xyz, w = q_xyzw[..., :3], q_xyzw[..., 3:]
    t = 2.0 * torch.cross(xyz, v, dim=-1)
    return v + w * t + torch.cross(xyz, t, dim=-1)


def point_segment_distance(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Distance [m] from points ``p`` to segments ``a``-``b`` (all (..., 3), broadcast)."""
    ab = b - a
    t = ((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)
    closest = a + t.clamp(0.0, 1.0)[..., None] * ab
    return (p - closest).norm(dim=-1)


def point_box_distance(p: torch.Tensor, center: torch.Tensor, quat_xyzw: torch.Tensor, half_m) -> torch.Tensor:
    """Distance [m] from points ``p`` (..., 3) to the surface of boxes (0 inside): centre (..., 3), orientation
    (..., 4), half extents ``half_m`` (float or (..., 1) / (..., 3))."""
    inverse = torch.cat((-quat_xyzw[..., :3], quat_xyzw[..., 3:]), dim=-1)
    local = _rotate(inverse, p - center)
    return (local.abs() - half_m).clamp_min(0.0).norm(dim=-1)


def nail_site_occlusion(
    nail_pos: torch.Tensor,
    finger_segments: torch.Tensor,
    finger_radii: torch.Tensor,
    cube_pos: torch.Tensor,
    cube_quat_xyzw: torch.Tensor,
    cube_half_m,
    distance_m: float,
) -> torch.Tensor:
    """Which fingertip markers are occluded (N, F) bool: another finger's capsule or the cube within ``distance_m``
    of the marker's nail site.

    ``nail_pos`` (N, F, 3) nail sites; ``finger_segments`` (N, F, K, 2, 3) the end points of each finger's K capsule
    axes and ``finger_radii`` (F, K) their radii [m] (a finger never occludes its own marker); cube centre (N, 3),
    orientation (N, 4) xyzw and half extent ``cube_half_m`` [m] (float or (N, 1))."""
    F = nail_pos.shape[1]
    p = nail_pos[:, :, None, None, :]  # (N, F, 1, 1, 3) against every finger g and segment k
    a, b = finger_segments[:, None, :, :, 0], finger_segments[:, None, :, :, 1]  # (N, 1, F, K, 3)
    surface = point_segment_distance(p, a, b) - finger_radii  # (N, F, F, K)
    other = ~torch.eye(F, dtype=torch.bool, device=nail_pos.device)[None, :, :, None]
    near_finger = ((surface < distance_m) & other).flatten(2).any(-1)
    half = cube_half_m if not torch.is_tensor(cube_half_m) else cube_half_m.view(-1, 1, 1)
    near_cube = point_box_distance(nail_pos, cube_pos[:, None], cube_quat_xyzw[:, None], half) < distance_m
    return near_finger | near_cube
