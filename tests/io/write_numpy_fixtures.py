# SPDX-License-Identifier: BSL-1.0
# Defines the numpy side of the io fixtures: writes .npz files as a PyTorch user would
# (np.savez / np.savez_compressed of a state_dict) into the directory given as argv[1], which it
# empties first. The C++ cases labelled "numpy" then load them.
import os
import shutil
import sys

from numpy_support import np, state_dict

out = sys.argv[1]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
path = lambda name: os.path.join(out, name)

for suffix, dtype in (("f4", np.float32), ("f8", np.float64)):
    sd = state_dict(dtype)
    np.savez(path("numpy_savez_" + suffix + ".npz"), **sd)
    np.savez_compressed(path("numpy_savez_compressed_" + suffix + ".npz"), **sd)

sd = state_dict(np.float32)
np.savez(path("numpy_big_endian.npz"), **{**sd, "0.weight": sd["0.weight"].astype(">f4")})
np.savez(path("numpy_fortran.npz"), **{**sd, "0.weight": np.asfortranarray(sd["0.weight"])})
np.savez(path("numpy_int32.npz"), **{**sd, "0.weight": sd["0.weight"].astype(np.int32)})
np.savez_compressed(path("numpy_extra.npz"), **sd, extra=np.zeros(1, np.float32))

# The files must be what they claim, or the C++ refusals prove nothing.
with np.load(path("numpy_fortran.npz")) as z:
    assert z["0.weight"].flags.f_contiguous and not z["0.weight"].flags.c_contiguous
with np.load(path("numpy_big_endian.npz")) as z:
    assert z["0.weight"].dtype.str == ">f4"
print("wrote numpy fixtures to", out)
