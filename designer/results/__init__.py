"""What people say about a run's results: its name, description and tags (Azure ML's job
display name, description and tags), kept apart from the engine's run state."""
