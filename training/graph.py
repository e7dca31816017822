"""Reference interpreter for Clarity model files (docs/model-format.md), in PyTorch.

    from graph import load, run
    doc, tensors = load("models/bicubicpp-c32-x3.safetensors")
    outs, macs = run(doc, tensors, x)        # x: [N, 1, H, W], Y / 255

It reads only the file (never the training classes), so the exporter is checked against the
format itself; `macs` counts multiply-accumulates of conv / linear nodes for this input.
"""
import json

import torch
import torch.nn.functional as F
from safetensors import safe_open


def load(path):
    with safe_open(str(path), framework="pt") as f:
        doc = json.loads(f.metadata()["clarity"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    return doc, tensors


def activation(x, a):
    if a is None:
        return x
    t = a["type"]
    if t == "relu":
        return F.relu(x)
    if t == "leaky_relu":
        return F.leaky_relu(x, a["alpha"])
    if t == "tanh":
        return torch.tanh(x)
    if t == "sigmoid":
        return torch.sigmoid(x)
    raise ValueError(t)


def run(doc, tensors, x, capture=None, node_macs=None):
    """Runs the graph on x; returns (outputs, MACs). A `capture` dict receives every node's value,
    a `node_macs` dict every node's MACs (cumulative over the node list, in order)."""
    vals = {doc["input"]: x}
    macs = 0
    for n in doc["nodes"]:
        ins = [vals[i] for i in n["inputs"]]
        op = n["op"]
        if op == "conv2d":
            w = tensors[n["name"] + ".weight"]
            b = tensors.get(n["name"] + ".bias") if n["bias"] else None
            y = F.conv2d(ins[0], w, b, stride=tuple(n["stride"]), padding=tuple(n["padding"]),
                         groups=n["groups"])
            macs += y.numel() // y.shape[0] * w.shape[1] * w.shape[2] * w.shape[3]
            y = activation(y, n.get("activation"))
            if n.get("residual"):
                y = y + vals[n["residual"]]
        elif op == "conv_transpose2d":
            w = tensors[n["name"] + ".weight"]
            b = tensors.get(n["name"] + ".bias") if n["bias"] else None
            y = F.conv_transpose2d(ins[0], w, b, stride=tuple(n["stride"]))
            macs += ins[0].numel() // ins[0].shape[0] * w.shape[1] * w.shape[2] * w.shape[3]
            y = activation(y, n.get("activation"))
        elif op == "pixel_shuffle":
            y = F.pixel_shuffle(ins[0], n["factor"])
        elif op == "concat":
            y = torch.cat(ins, 1)
        elif op == "add":
            y = ins[0] + ins[1]
        elif op == "activation":
            y = activation(ins[0], n["activation"])
        elif op == "global_avg_pool":
            y = ins[0].mean((2, 3), keepdim=True)
        elif op == "eca":
            w = tensors[n["name"] + ".weight"]  # [1, 1, k]
            g = ins[0].mean((2, 3))[:, None, :]
            a = torch.sigmoid(F.conv1d(g, w, padding=w.shape[-1] // 2))
            y = ins[0] * a[:, 0, :, None, None]
        elif op == "linear":
            w = tensors[n["name"] + ".weight"]
            b = tensors.get(n["name"] + ".bias") if n["bias"] else None
            y = activation(F.linear(ins[0].flatten(1), w, b), n.get("activation"))
            macs += w.numel()
        elif op == "max_candidates":
            C, G = n["candidates"], n["groups"]
            a = ins[0]
            y = a.view(a.shape[0], C, G, *a.shape[2:]).max(1).values
        elif op == "softmax_sum":
            C, G = n["candidates"], n["groups"]
            a = ins[0]
            m = 2 if n["mode"] == "tm" else 3
            a = a.view(a.shape[0], m, C, G, *a.shape[2:])
            logits = a[:, 1] if m == 2 else a[:, 1] * a[:, 2]
            y = (a[:, 0] * torch.softmax(logits, 1)).sum(1)
        else:
            raise ValueError(f"op {op} not supported by this reference")
        vals[n["name"]] = y
        if node_macs is not None:
            node_macs[n["name"]] = macs
    if capture is not None:
        capture.update(vals)
    return [vals[o] for o in doc["outputs"]], macs
