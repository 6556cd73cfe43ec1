"""Isaac Lab tasks of dactyl-lab."""
