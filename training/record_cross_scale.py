#!/usr/bin/env python3
"""Record what bundled upscalers score on the val split at another scale, into their files.

    clarity bench quality --list training/data/splits/val.txt --scale 2 --precision fp32 \
        --no-speed --json --models bicubicpp-c32-x3,... > x2.json
    python3 training/record_cross_scale.py x2.json

A model asked for at a scale it does not have runs at its own scale, then swscale's bicubic
takes it to the asked size (what `--model` does). `clarity bench quality` scores that under
the usual protocol (rows named "NAME, then bicubic"); this writes each such figure into the
model file's info as `val_psnr_at` {"2": dB}, beside its own-scale `val_psnr`. The catalog
then resolves a family at that scale to the member that scored best there, whichever way it
gets there. Only val figures are accepted (selection never looks at the test split). The
tensors are kept byte for byte; only the JSON header is rewritten. No torch needed.
"""
import json
import struct
import sys
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parent.parent / "Sources/ClarityModels/Weights"
PROTOCOL = ("at another scale: the model at its own scale, then swscale bicubic to the asked size "
            "(as --model does); clarity bench quality in fp32, val split, border = asked scale")


def rewrite_info(path, update):
    """Applies `update` to the `clarity` metadata of a safetensors file, in place; `update`
    returns False to leave the file as it is (a model it does not apply to). Returns whether
    the file was rewritten."""
    blob = path.read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    doc = json.loads(header["__metadata__"]["clarity"])
    if not update(doc):
        return False
    header["__metadata__"]["clarity"] = json.dumps(doc)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + blob[8 + n:])
    return True


def val_report(usage):
    """The `clarity bench quality --json` report named on the command line; only clean fp32
    figures on the val split are accepted (selection never looks at the test split)."""
    if len(sys.argv) != 2:
        raise SystemExit(usage)
    report = json.loads(Path(sys.argv[1]).read_text())
    if "val.txt" not in report["command"] or report["degradation"] != "clean" or report["precision"] != "fp32":
        raise SystemExit("error: record only clean fp32 figures on the val split (--list .../val.txt)")
    return report


def main():
    report = val_report(__doc__)
    scale = str(report["scale"])
    for row in report["rows"]:
        name, sep, _ = row["method"].partition(", then bicubic")
        if not sep:
            continue
        psnr = round(row["psnr"], 3)

        def update(doc):
            info = doc.setdefault("info", {})
            info.setdefault("val_psnr_at", {})[scale] = psnr
            info["val_psnr_at_protocol"] = PROTOCOL
            return True
        rewrite_info(WEIGHTS / f"{name}.safetensors", update)
        print(f"{name}: val_psnr_at[{scale}] = {psnr}")


if __name__ == "__main__":
    main()
