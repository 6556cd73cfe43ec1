"""Helpers shared by several test folders (and the bench scripts that build envs).

* :mod:`.envs` - real Isaac Lab envs of the task on Newton (``make_env``, ``close_env``, ``module_env``, ``zeros``)
* :mod:`.scripts` - run scripts/ as a user would (``run_script``, ``script_env``, ``SCRIPTS``)
* :mod:`.ranks` - run a function on two gloo ranks; feed ADR boundaries
* :mod:`.hostsync` - audit of host syncs and device-less tensors on the step path
* :mod:`.runtime_policies` - ONNX test policies with embedded contracts
* :mod:`.video_checks` - checks on written MP4 files
"""
