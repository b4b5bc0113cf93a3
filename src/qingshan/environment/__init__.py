"""Environmental quality: the standards tables (HJ 633, GB 3095, GB 3838, …) under
``standards/`` as data, read by the loaders and assessed by ``qingshan.methods``."""
