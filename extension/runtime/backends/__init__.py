"""Hand backends of the runtime: ``mujoco`` (plain-MuJoCo stand-in hand + simulated tracker),
``ros`` (Shadow Hand ROS 1 driver + a PoseStamped tracker topic), ``replay`` (plays a run log back).

Each is imported only when chosen, so the ROS backend's ``rospy`` is never needed elsewhere.
"""
