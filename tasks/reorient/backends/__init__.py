"""Backend-specific code of the task, one small module per physics backend: :mod:`.physx` (what the task does
differently on PhysX, and what it refuses there) and :mod:`.ovphysx_workarounds` (Isaac Lab 3.0.0 OvPhysX bugs).
Newton's lives in :mod:`..mdp.newton_internals`."""
