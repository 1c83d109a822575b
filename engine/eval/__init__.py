"""The evaluation bench: answer accuracy and gIoU / cIoU per task type."""
