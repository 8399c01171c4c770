"""Generation stages. Each model stage is a prompt file in `prompts/` plus a module that turns a
movie into `Job`s (instruction + validator); rule-based rendering lives in `text.py`."""
