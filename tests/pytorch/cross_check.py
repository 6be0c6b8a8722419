#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
# Defines the PyTorch side of the cross-check: for every case the C++ driver (cross_check.cpp)
# wrote, build the same network in PyTorch, load the same initial parameters and data, and
# compare the loss, every gradient, the gradient norm, the state_dict (parameters and buffers)
# after the steps, and the output in evaluation mode (model.eval()) after them.
#
# Error measure, per tensor: max |typenet - torch| / max |torch| (a tensor-wise relative
# error: element-wise ratios blow up on gradients that are zero up to rounding; a gradient
# tensor's scale is at least 1e-2 times the global gradient norm, for the same reason).
# Bounds: 1e-5 in float32, 1e-10 in float64.
import sys
import numpy as np
import torch

BOUND = {"float32": 1e-5, "float64": 1e-10}


class Residual(torch.nn.Sequential):
    """typenet's residual<...>: an nn.Sequential whose forward adds its input, so the inner
    layers are named "<i>.<j>.weight" exactly as typenet names them."""

    def forward(self, x):
        return super().forward(x) + x


class ResidualProjection(torch.nn.Module):
    """typenet's residual_projection<...>: inner layers "<i>.<j>.*", run in order, plus a
    learned shortcut "<i>.shortcut.*" (a Linear without activation)."""

    def __init__(self, layers, in_features, out_features):
        super().__init__()
        for j, layer in enumerate(layers):
            self.add_module(str(j), layer)
        self.count = len(layers)
        self.shortcut = torch.nn.Linear(in_features, out_features)

    def forward(self, x):
        y = x
        for j in range(self.count):
            y = getattr(self, str(j))(y)
        return y + self.shortcut(x)


def build(spec, in_features):
    layers, width = [], in_features
    for item in spec.split(","):
        if item.startswith("residual"):
            # "residual/<layer>+<layer>..." or "residual_projection/...": the block's layers.
            kind, _, block = item.partition("/")
            sub, out = build(block.replace("+", ","), width)
            if kind == "residual":
                layers.append(Residual(*sub))
            else:
                layers.append(ResidualProjection(sub, width, out))
            width = out
            continue
        name, _, arg = item.partition(":")
        if name == "dense":
            layers.append(torch.nn.Linear(width, int(arg)))
            width = int(arg)
        elif name == "batch_norm":
            layers.append(torch.nn.BatchNorm1d(width))
        elif name == "layer_norm":
            layers.append(torch.nn.LayerNorm(width))
        elif name == "repeat":
            count, _, block = arg.partition("/")
            for _ in range(int(count)):
                sub, width = build(block.replace(";", ","), width)
                layers.extend(sub)
        else:
            layers.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                           "gelu": torch.nn.GELU, "elu": torch.nn.ELU, "softplus": torch.nn.Softplus,
                           "swish": torch.nn.SiLU, "leaky_relu": torch.nn.LeakyReLU,
                           "flatten": torch.nn.Flatten}[name]())
    return layers, width


def rel(a, b, floor=0.0):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)) if b.size else 0.0, floor)
    if scale == 0.0:
        return float(np.max(np.abs(a - b))) if a.size else 0.0
    return float(np.max(np.abs(a - b)) / scale)


def check(directory, line):
    name, dtype, loss_name, optim_name, clip_name, spec, hyper, in_shape = line.split("|")
    torch_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    hp = {k: float(v) for k, v in (kv.split("=") for kv in hyper.split(";") if kv)}
    in_shape = [int(d) for d in in_shape.split("x")]
    flat_in = int(np.prod(in_shape))
    layers, _ = build(spec, flat_in)
    model = torch.nn.Sequential(*layers).to(torch_dtype)
    init = np.load(f"{directory}/{name}.init.npz")
    state = {k: torch.from_numpy(init[k]) for k in init.files}
    model.load_state_dict(state, strict=True)  # names and shapes must match exactly
    data = np.load(f"{directory}/{name}.data.npz")
    x = torch.from_numpy(data["x"])
    y = torch.from_numpy(data["y"])
    loss_fn = {"mse": torch.nn.MSELoss(), "softmax_cross_entropy": torch.nn.CrossEntropyLoss(),
               "binary_cross_entropy_with_logits": torch.nn.BCEWithLogitsLoss()}[loss_name]
    if loss_name == "softmax_cross_entropy":
        y = y.to(torch.long)
    params = list(model.parameters())
    if optim_name == "sgd":
        opt = torch.optim.SGD(params, lr=hp["lr"], momentum=hp.get("momentum", 0.0), dampening=hp.get("dampening", 0.0),
                              weight_decay=hp.get("weight_decay", 0.0), nesterov=bool(hp.get("nesterov", 0)))
    elif optim_name == "adam":
        opt = torch.optim.Adam(params, lr=hp["lr"], weight_decay=hp.get("weight_decay", 0.0))
    else:
        opt = torch.optim.AdamW(params, lr=hp["lr"], weight_decay=hp.get("weight_decay", 0.01))

    errors = {}
    steps = int(hp.get("steps", 1))
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if step == 0:
            grads = {k: v.grad.detach().clone() for k, v in model.named_parameters()}
            norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values()))
            first_loss = loss.item()
        if clip_name == "global_norm":
            torch.nn.utils.clip_grad_norm_(params, hp["max_norm"])
        elif clip_name == "value":
            torch.nn.utils.clip_grad_value_(params, hp["clip_value"])
        opt.step()

    scalars = np.load(f"{directory}/{name}.scalars.npz")
    errors["loss"] = rel(scalars["loss"], [first_loss])
    errors["gradient_norm"] = rel(scalars["norm"], [norm.item()])
    ours = np.load(f"{directory}/{name}.grads.npz")
    # A gradient that is zero in exact arithmetic (a dense bias right before batch norm, whose
    # mean subtraction removes it) is rounding noise in both: measure it against a hundredth of
    # the global norm rather than against its own noise.
    for k, g in grads.items():
        errors["grad " + k] = rel(ours[k], g.numpy(), floor=1e-2 * norm.item())
    # Likewise a parameter whose updates are all rounding noise (that same bias) is measured
    # against a hundredth of the largest parameter.
    after = np.load(f"{directory}/{name}.after.npz")
    largest = max(float(np.max(np.abs(v.detach().numpy()))) for v in model.parameters() if v.numel())
    for k, v in model.state_dict().items():
        errors["after " + k] = rel(after[k], v.numpy(), floor=1e-2 * largest)
    model.eval()
    with torch.no_grad():
        errors["evaluation output"] = rel(np.load(f"{directory}/{name}.eval.npz")["y"], model(x).numpy())
    if set(ours.files) != set(grads) or set(after.files) != set(model.state_dict()):
        errors["names"] = float("inf")
    worst_key = max(errors, key=errors.get)
    ok = errors[worst_key] < BOUND[dtype]
    print(f"{'ok  ' if ok else 'FAIL'} {name:34s} {dtype}  worst {errors[worst_key]:.2e} ({worst_key})")
    return ok


def main():
    directory = sys.argv[1]
    torch.manual_seed(0)
    with open(f"{directory}/cases.txt") as f:
        lines = [l.strip() for l in f if l.strip()]
    if not lines:
        print("cross_check: no cases were written")
        return 1
    results = [check(directory, l) for l in lines]
    passed = sum(results)
    print(f"cross_check: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
