"""Rollout videos for both simulators through one MuJoCo renderer (torch-free; the runtime uses it too).

* :mod:`.gl` - a headless OpenGL context (OSMesa on the CPU; says what to install when it is missing)
* :mod:`.renderer` - :class:`HandRenderer`: the generated hand MJCF posed from a :class:`RenderState`, goal cube
* :mod:`.video` - H.264 MP4 writing (imageio-ffmpeg), the text overlay, :class:`RolloutVideo`
* :mod:`.options` - the ``--video*`` flags shared by play, evaluate and sim2sim
* :mod:`.standin` - record the real-hand runtime's loop on the MuJoCo stand-in
* :mod:`.newton` - record Isaac Lab (Newton) envs (imports torch lazily, from the env's tensors)
"""
