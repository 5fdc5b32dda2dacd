"""Training and inference web UI (a stub of the real one: no gradio needed to import it)."""

import json
import os
import re
import sys

from config import exp_root, is_half, python_exec, version, webui_port_main

S2_CONFIG = "GPT_SoVITS/configs/s2.json"
S1_CONFIG = "GPT_SoVITS/configs/s1longer.yaml"
LOCALE_DIR = os.path.join("tools", "i18n", "locale")


def i18n(language="en_US"):
    """The UI strings of one language, keyed by their Chinese source text."""
    path = os.path.join(LOCALE_DIR, language + ".json")
    if not os.path.exists(path):
        return lambda text: text
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    return lambda text: table.get(text, text)


def load_s2_config(path=S2_CONFIG):
    # s2.json carries // comments, which json.load refuses
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"^\s*//.*$", "", f.read(), flags=re.MULTILINE)
    return json.loads(text)


def sovits_train_command(exp_name, batch_size, total_epoch):
    config = load_s2_config()
    config["train"]["batch_size"] = batch_size
    config["train"]["epochs"] = total_epoch
    config["model"]["version"] = version
    config["s2_ckpt_dir"] = os.path.join(exp_root, exp_name)
    os.makedirs(exp_root, exist_ok=True)
    tmp_config = os.path.join(exp_root, "tmp_s2.json")
    with open(tmp_config, "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
    return [python_exec, "GPT_SoVITS/s2_train.py", "--config", tmp_config]


def main():
    t = i18n()
    print(t("开始训练"), "SoVITS", version, "(half precision)" if is_half else "")
    print(" ".join(sovits_train_command("demo", 8, 10)))
    print(t("WebUI 地址"), "http://0.0.0.0:%d" % webui_port_main)
    return 0


if __name__ == "__main__":
    sys.exit(main())
