# SPDX-License-Identifier: BSL-1.0
# Defines what the io test scripts share: the numpy import with a clear failure, the parameter
# names and shapes of tests/io's small_net, and the value pattern of io_test_support.hpp.
import sys

try:
    import numpy as np
except ImportError:
    sys.exit("typenet io tests: numpy is missing for " + sys.executable +
             "; install Debian's python3-numpy (bash tools/run.sh test installs it)")

# small_net: tn::input<4>, tn::dense<3>, tn::tanh, tn::dense<2> -> PyTorch state_dict names.
PARAMETERS = [("0.weight", (3, 4)), ("0.bias", (3,)), ("2.weight", (2, 3)), ("2.bias", (2,))]


def pattern(j, shape, dtype):
    """Parameter j's values: ((7k + 13j) mod 101 - 50) / 3 in float64, rounded once to dtype."""
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((7 * k + 13 * j) % 101 - 50) / 3.0).astype(dtype).reshape(shape)


def state_dict(dtype):
    return {name: pattern(j, shape, dtype) for j, (name, shape) in enumerate(PARAMETERS)}
