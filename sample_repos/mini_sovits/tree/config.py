import os
import sys

# Which model generation the tools build and load when nothing else says so.
version = os.environ.get("version", "v1")

pretrained_sovits_name = {
    "v1": "GPT_SoVITS/pretrained_models/s2G-mini-488k.pth",
}
pretrained_gpt_name = {
    "v1": "GPT_SoVITS/pretrained_models/s1-mini-longer-e68.ckpt",
}

exp_root = "logs"
python_exec = sys.executable or "python"
is_half = os.environ.get("is_half", "True").lower() == "true"

webui_port_main = 9874
webui_port_infer_tts = 9872
