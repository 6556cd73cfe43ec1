"""RSL-RL (rsl-rl-lib 5.5.1) PPO configs: asymmetric actor-critic, feed-forward and LSTM.

Defaults follow the Dactyl paper (gamma 0.998, lambda 0.95, clip 0.2, entropy 0.01, Adam 3e-4;
dense ReLU layer then an LSTM) scaled to what trains on one GPU, and Isaac Gym's ShadowHandOpenAI.
The actor sees the ``policy`` group, the critic the privileged ``critic`` group; both normalise
their inputs with running statistics (exported with the policy). ``device`` is overwritten by
scripts/train.py with the environment's device.
"""

import torch

from isaaclab.utils import configclass
from isaaclab_rl.rsl_rl import RslRlMLPModelCfg, RslRlOnPolicyRunnerCfg, RslRlPpoAlgorithmCfg, RslRlRNNModelCfg


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
        hidden_dims=[512, 512, 256],
        activation="elu",
        obs_normalization=True,
        distribution_cfg=RslRlMLPModelCfg.GaussianDistributionCfg(init_std=1.0),
    )
    critic = RslRlMLPModelCfg(hidden_dims=[512, 512, 256], activation="elu", obs_normalization=True)
    algorithm = RslRlPpoAlgorithmCfg(
        value_loss_coef=1.0,
        use_clipped_value_loss=True,
        clip_param=0.2,
        entropy_coef=0.01,
        num_learning_epochs=4,
        num_mini_batches=4,
        learning_rate=3.0e-4,
        schedule="adaptive",
        gamma=0.998,
        lam=0.95,
        desired_kl=0.016,
        max_grad_norm=1.0,
    )


@configclass
class DactylLSTMPPORunnerCfg(DactylFFPPORunnerCfg):
    """Dactyl's recurrent policy: a dense layer, then an LSTM (paper: 1024 ReLU -> LSTM 512)."""

    experiment_name = "dactyl_reorient_lstm"
    actor = RslRlRNNModelCfg(
        hidden_dims=[512, 256],
        activation="relu",
        obs_normalization=True,
        distribution_cfg=RslRlMLPModelCfg.GaussianDistributionCfg(init_std=1.0),
        rnn_type="lstm",
        rnn_hidden_dim=512,
        rnn_num_layers=1,
    )
    critic = RslRlRNNModelCfg(
        hidden_dims=[512, 256], activation="relu", obs_normalization=True, rnn_type="lstm", rnn_hidden_dim=512, rnn_num_layers=1
    )
