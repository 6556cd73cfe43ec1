"""RSL-RL (rsl-rl-lib 5.5.1) model with the Dactyl paper's recurrent architecture (arXiv 1808.00177, sec. 4.1 and
Fig. 4): normalized observations -> dense ReLU layer(s) (paper: 1024) -> LSTM (paper: 512) -> linear output layer.

rsl_rl's own ``RNNModel`` runs the LSTM first, on the raw (normalized) observations, and its MLP after it, so it
cannot build the paper's order; :class:`DenseLSTMModel` can. It is an ``RNNModel`` (same hidden-state handling,
``reset``, batch mode with masks and PPO interface) whose latent is ``LSTM(dense(obs))`` and whose head after the
LSTM is a single linear layer (``hidden_dims`` empty; non-empty adds ReLU layers between LSTM and output).
Selected through rsl_rl's normal ``class_name`` mechanism: ``class_name="dactyl_lab.agents.rsl_rl_models:
DenseLSTMModel"`` (see :class:`dactyl_lab.agents.rsl_rl_cfg.DenseLSTMModelCfg`).

Built module names (what the checkpoints hold): ``obs_normalizer``, ``encoder`` (the dense layers, each Linear +
activation), ``rnn.rnn`` (``torch.nn.LSTM``), ``mlp`` (the output head: Linear, plus Unflatten for a distribution
whose MLP output is 2-D, e.g. the 11-bin categorical), ``distribution``.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
from rsl_rl.models import RNNModel
from rsl_rl.modules import MLP, RNN, EmpiricalNormalization, HiddenState
from rsl_rl.utils import resolve_class, resolve_nn_activation
from tensordict import TensorDict


def dense_layers(input_dim: int, dims: list[int] | tuple[int, ...], activation: str) -> nn.Sequential:
    """``Linear -> activation`` for every entry of ``dims`` (an activation after the last layer too)."""
    layers: list[nn.Module] = []
    for dim in dims:
        layers += [nn.Linear(input_dim, dim), resolve_nn_activation(activation)]
        input_dim = dim
    return nn.Sequential(*layers)


def output_head(input_dim: int, output_dim: int | list[int], hidden_dims, activation: str) -> nn.Sequential:
    """rsl_rl's ``MLP`` when there are hidden layers; else a single Linear (+ Unflatten to a 2-D output)."""
    if hidden_dims:
        return MLP(input_dim, output_dim, hidden_dims, activation)
    if isinstance(output_dim, int):
        return nn.Sequential(nn.Linear(input_dim, output_dim))
    total = 1
    for dim in output_dim:
        total *= dim
    return nn.Sequential(nn.Linear(input_dim, total), nn.Unflatten(dim=-1, unflattened_size=tuple(output_dim)))


class DenseLSTMModel(RNNModel):
    """Normalized observations -> ``dense_dims`` (ReLU) -> LSTM ``rnn_hidden_dim`` -> ``hidden_dims`` -> output."""

    def __init__(
        self,
        obs: TensorDict,
        obs_groups: dict[str, list[str]],
        obs_set: str,
        output_dim: int,
        dense_dims: tuple[int, ...] | list[int] = (1024,),
        hidden_dims: tuple[int, ...] | list[int] = (),
        activation: str = "relu",
        obs_normalization: bool = False,
        distribution_cfg: dict | None = None,
        rnn_type: str = "lstm",
        rnn_hidden_dim: int = 512,
        rnn_num_layers: int = 1,
    ) -> None:
        if not dense_dims:
            raise ValueError("DenseLSTMModel needs at least one dense layer before the LSTM (dense_dims, e.g. [1024])")
        # RNNModel.__init__ would build an LSTM on the observations and an MLP with >= 1 hidden layer: build the
        # same attributes in the paper's order instead (nn.Module init, then everything RNNModel/MLPModel define).
        nn.Module.__init__(self)
        self.obs_groups, self.obs_dim = self._get_obs_dim(obs, obs_groups, obs_set)
        self.obs_normalization = obs_normalization
        self.obs_normalizer = EmpiricalNormalization(self.obs_dim) if obs_normalization else nn.Identity()
        self.distribution = None
        head_output_dim = output_dim
        if distribution_cfg is not None:
            dist_class, dist_cfg = resolve_class(distribution_cfg)
            self.distribution = dist_class(output_dim, **dist_cfg)
            head_output_dim = self.distribution.input_dim
        self.encoder = dense_layers(self.obs_dim, dense_dims, activation)
        self.latent_dim = rnn_hidden_dim
        self.rnn = RNN(int(dense_dims[-1]), rnn_hidden_dim, rnn_num_layers, rnn_type)
        self.mlp = output_head(rnn_hidden_dim, head_output_dim, list(hidden_dims), activation)
        if self.distribution is not None:
            self.distribution.init_mlp_weights(self.mlp)

    def get_latent(
        self, obs: TensorDict, masks: torch.Tensor | None = None, hidden_state: HiddenState = None
    ) -> torch.Tensor:
        """LSTM output of the dense encoding of the normalized observations (padded sequences in batch mode)."""
        latent = torch.cat([obs[group] for group in self.obs_groups], dim=-1)
        latent = self.encoder(self.obs_normalizer(latent))
        return self.rnn(latent, masks, hidden_state).squeeze(0)

    def as_jit(self) -> nn.Module:
        return _with_encoder(super().as_jit(), self.encoder)

    def as_onnx(self, verbose: bool = False) -> nn.Module:
        """rsl_rl's ONNX wrapper (``obs, h_in, c_in -> actions, h_out, c_out``) with the dense layers after the
        normalizer: its input stage becomes ``Sequential(normalizer, encoder)``."""
        return _with_encoder(super().as_onnx(verbose), self.encoder)


def _with_encoder(export_module: nn.Module, encoder: nn.Sequential) -> nn.Module:
    """rsl_rl's export wrappers run ``obs_normalizer -> rnn -> mlp``; put the dense layers after the normalizer."""
    export_module.obs_normalizer = nn.Sequential(export_module.obs_normalizer, copy.deepcopy(encoder))
    return export_module
