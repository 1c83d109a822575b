"""Two-stage training, LoRA fine-tuning and multi-GPU runs through Accelerate."""
