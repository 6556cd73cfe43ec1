"""RSL-RL (rsl-rl-lib 5.5.1) PPO that also reports how far each update moved the policy: the mean KL divergence
between the rollout's action distributions (the policy that collected it) and the updated policy's on the same
observations, as ``kl`` in the update's loss dict; rsl_rl's logger writes it as ``Loss/kl`` and the training report
plots it (:mod:`dactyl_lab.training.report`). rsl_rl computes a KL per mini-batch for its adaptive learning rate but
never reports it.

Selected through rsl_rl's ``class_name`` mechanism (``algorithm.class_name =
"dactyl_lab.agents.rsl_rl_ppo:KLReportingPPO"``, see :mod:`dactyl_lab.agents.rsl_rl_cfg`). The cost is one forward
pass of the actor over the rollout (no gradients) per iteration; no collective (each rank its own, rank 0 logs).
"""

from __future__ import annotations

import torch
from rsl_rl.algorithms import PPO


class KLReportingPPO(PPO):
    def update(self) -> dict[str, float]:
        losses = super().update()
        losses["kl"] = self.rollout_kl()
        return losses

    def rollout_kl(self) -> float:
        """Mean KL(collecting policy || updated policy) over the stored rollout, batched as rsl_rl's update does
        (the storage keeps its data after ``update``: ``clear`` only rewinds the write cursor)."""
        recurrent = self.actor.is_recurrent or self.critic.is_recurrent
        if recurrent:
            batches = self.storage.recurrent_mini_batch_generator(self.num_mini_batches, 1)
        else:
            batches = self.storage.mini_batch_generator(self.num_mini_batches, 1)
        total = torch.zeros((), device=self.device)
        count = 0
        with torch.inference_mode():
            for batch in batches:
                self.actor(
                    batch.observations,
                    masks=batch.masks,
                    hidden_state=batch.hidden_states[0],
                    stochastic_output=True,
                )
                kl = self.actor.get_kl_divergence(batch.old_distribution_params, self.actor.output_distribution_params)
                total += kl.mean()
                count += 1
        return (total / max(count, 1)).item()  # once per iteration, beside rsl_rl's own per-update .item() calls
