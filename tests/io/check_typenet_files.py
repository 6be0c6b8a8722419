# SPDX-License-Identifier: BSL-1.0
# Defines the numpy side of the io round trip: np.load reads the .npz files the C++ case
# write_files_for_numpy_to_check wrote into argv[1], and every value must be identical.
import sys

from numpy_support import PARAMETERS, np, state_dict

out = sys.argv[1]
failures = []


def check(name, dtype):
    expected = state_dict(dtype)
    with np.load(out + "/" + name) as z:
        if list(z.keys()) != [n for n, _ in PARAMETERS]:
            failures.append(f"{name}: names {list(z.keys())}")
            return
        for key, want in expected.items():
            got = z[key]
            if got.dtype != np.dtype(dtype) or got.shape != want.shape or not got.flags.c_contiguous:
                failures.append(f"{name}: {key} is {got.dtype} {got.shape}, expected {np.dtype(dtype)} {want.shape}")
            elif not np.array_equal(got, want):
                failures.append(f"{name}: {key} differs: {got} vs {want}")


check("typenet_f4.npz", np.float32)
check("typenet_f4_deflate.npz", np.float32)
check("typenet_f8.npz", np.float64)
check("typenet_f8_deflate.npz", np.float64)
check("typenet_f8_zip64.npz", np.float64)

with np.load(out + "/typenet_grads.npz") as z:
    shapes = {k: z[k].shape for k in z.keys()}
    if shapes != dict(PARAMETERS) or any(z[k].dtype != np.float64 for k in z.keys()):
        failures.append(f"typenet_grads.npz: {shapes}")
    elif not all(np.isfinite(z[k]).all() for k in z.keys()) or not np.any(z["2.bias"]):
        failures.append("typenet_grads.npz: gradients are not finite or all zero")

if failures:
    sys.exit("numpy disagrees with typenet's files:\n  " + "\n  ".join(failures))
print("numpy read every typenet file with identical values")
