"""RSL-RL (rsl-rl-lib 5.5.1) PPO configs: asymmetric actor-critic; feed-forward and LSTM, each with a Gaussian or the
paper's discrete (20 x 11-bin categorical) policy head.

What each config builds (printed by rsl_rl as ``Actor Model`` / ``Critic Model``; tests/agents/test_networks.py checks
the layer order and sizes):

* ``DactylFFPPORunnerCfg`` (``--variant ff``): MLP 512-512-256 ELU -> 20 Gaussian means (Isaac Gym
  ShadowHandOpenAI's feed-forward net); critic MLP 512-512-256 ELU -> value.
* ``DactylLSTMPPORunnerCfg`` (``--variant lstm``): the paper's network (sec. 4.1, Fig. 4): dense 1024 ReLU -> LSTM
  512 -> linear -> 20 Gaussian means; a separate value network of the same shape (dense 1024 ReLU -> LSTM 512 ->
  linear -> value) on the privileged observations (:class:`dactyl_lab.agents.rsl_rl_models.DenseLSTMModel`).
* ``DactylFFDiscretePPORunnerCfg`` / ``DactylLSTMDiscretePPORunnerCfg`` (``--variant ff_discrete`` /
  ``lstm_discrete``): the same networks with the paper's discrete head (sec. 4.2): the output layer gives 20 x 11
  logits, one categorical per motor over 11 bin centres in [-1, 1]
  (:class:`dactyl_lab.agents.discrete.BinnedCategoricalDistribution`); the env receives the sampled bin centre,
  the deterministic policy (play, evaluation, ONNX) the centre of the most probable bin.

PPO settings: the paper's gamma, lambda, clip ratio, entropy coefficient and Adam learning rate
(:mod:`dactyl_lab.spec.ppo`). Departures, each for a reason:

* ``schedule="adaptive"`` (KL target 0.016): the learning rate starts at the paper's 3e-4 and is lowered or raised
  per update to keep the policy's KL near the target, where the paper kept it fixed. The paper's batches were ~10^5
  transitions per minibatch on 6,144 cores; ours are 10^3-10^5 (256 CPU envs to 8,192 per GPU), and a fixed rate
  tuned for one batch size is too large or too small at the other. Isaac Lab's validated Shadow-hand configs use the
  same adaptive schedule; a fixed-rate run has not been measured here.
* 4 epochs x 4 minibatches of 16-step rollouts, value-loss coefficient 1 (the paper's batch sizes are not reachable
  on one machine); the LSTM variants backpropagate through the whole 16-step rollout.

The actor sees
the ``policy`` group, the critic the privileged ``critic`` group; both normalise their inputs with running statistics
(exported with the policy). ``device`` is overwritten by scripts/train.py with the environment's device.
"""

import torch

from isaaclab.utils import configclass
from isaaclab_rl.rsl_rl import RslRlMLPModelCfg, RslRlOnPolicyRunnerCfg, RslRlPpoAlgorithmCfg, RslRlRNNModelCfg

from dactyl_lab.spec import ppo

from .discrete import NUM_BINS

PAPER_DENSE_DIM = 1024
"""Dense ReLU layer before the LSTM (paper sec. 4.1)."""
PAPER_LSTM_DIM = 512
"""LSTM units (paper sec. 4.1)."""


@configclass
class BinnedCategoricalDistributionCfg(RslRlMLPModelCfg.DistributionCfg):
    """The paper's discrete head: one categorical per action coordinate over ``num_bins`` centres in [-1, 1]."""

    class_name: str = "dactyl_lab.agents.discrete:BinnedCategoricalDistribution"
    num_bins: int = NUM_BINS


@configclass
class DenseLSTMModelCfg(RslRlRNNModelCfg):
    """Normalized obs -> ``dense_dims`` (``activation``) -> LSTM ``rnn_hidden_dim`` -> ``hidden_dims`` -> output
    (:class:`dactyl_lab.agents.rsl_rl_models.DenseLSTMModel`; ``hidden_dims`` empty = one linear output layer)."""

    class_name: str = "dactyl_lab.agents.rsl_rl_models:DenseLSTMModel"
    dense_dims: list[int] = [PAPER_DENSE_DIM]
    hidden_dims: list[int] = []
    activation: str = "relu"
    rnn_type: str = "lstm"
    rnn_hidden_dim: int = PAPER_LSTM_DIM
    rnn_num_layers: int = 1


def gaussian_head() -> RslRlMLPModelCfg.GaussianDistributionCfg:
    return RslRlMLPModelCfg.GaussianDistributionCfg(init_std=1.0)


@configclass
class DactylFFPPORunnerCfg(RslRlOnPolicyRunnerCfg):
    num_steps_per_env = 16
    max_iterations = 5000
    save_interval = 25  # iterations; SIGTERM / Ctrl-C also save (dactyl_lab.training.rsl_rl_runner)
    experiment_name = "dactyl_reorient_ff"
    # Isaac Lab's simulation default: cuda:0 where CUDA exists, else the CPU. scripts/train.py overrides it
    # with the environment's actual device (--device), so agent and environment never disagree.
    device = "cuda:0" if torch.cuda.is_available() else "cpu"
    obs_groups = {"actor": ["policy"], "critic": ["critic"]}
    actor = RslRlMLPModelCfg(
        hidden_dims=[512, 512, 256], activation="elu", obs_normalization=True, distribution_cfg=gaussian_head()
    )
    critic = RslRlMLPModelCfg(hidden_dims=[512, 512, 256], activation="elu", obs_normalization=True)
    algorithm = RslRlPpoAlgorithmCfg(
        class_name="dactyl_lab.agents.rsl_rl_ppo:KLReportingPPO",  # rsl_rl's PPO + the update's KL as Loss/kl
        value_loss_coef=1.0,
        use_clipped_value_loss=True,
        clip_param=ppo.CLIP_RATIO,
        entropy_coef=ppo.ENTROPY_COEF,
        num_learning_epochs=4,
        num_mini_batches=4,
        learning_rate=ppo.ADAM_LEARNING_RATE,
        schedule="adaptive",
        gamma=ppo.GAMMA,
        lam=ppo.GAE_LAMBDA,
        desired_kl=0.016,
        max_grad_norm=1.0,
    )


@configclass
class DactylLSTMPPORunnerCfg(DactylFFPPORunnerCfg):
    """The paper's recurrent policy: dense 1024 ReLU -> LSTM 512 -> Gaussian means; value network of the same shape."""

    experiment_name = "dactyl_reorient_lstm"
    actor = DenseLSTMModelCfg(obs_normalization=True, distribution_cfg=gaussian_head())
    critic = DenseLSTMModelCfg(obs_normalization=True)


@configclass
class DactylFFDiscretePPORunnerCfg(DactylFFPPORunnerCfg):
    """Feed-forward MLP 512-512-256 ELU -> 20 x 11 logits (the paper's discrete head)."""

    experiment_name = "dactyl_reorient_ff_discrete"
    actor = RslRlMLPModelCfg(
        hidden_dims=[512, 512, 256],
        activation="elu",
        obs_normalization=True,
        distribution_cfg=BinnedCategoricalDistributionCfg(),
    )


@configclass
class DactylLSTMDiscretePPORunnerCfg(DactylLSTMPPORunnerCfg):
    """The paper's policy: dense 1024 ReLU -> LSTM 512 -> 20 x 11 logits; value network of the same shape."""

    experiment_name = "dactyl_reorient_lstm_discrete"
    actor = DenseLSTMModelCfg(obs_normalization=True, distribution_cfg=BinnedCategoricalDistributionCfg())
