"""``python -m engine.train train|finetune ...`` (also under ``accelerate launch -m engine.train``)."""
import sys

from .cli import main

sys.exit(main())
