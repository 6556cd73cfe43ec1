"""Assets of dactyl-lab: the Shadow hand (rewritten from gymnasium-robotics), the cube, ground and goal marker."""
