// SPDX-License-Identifier: BSL-1.0
// Defines a temporary smoke test of the static-test mechanism (replace with real static tests).
#include <typenet/typenet.hpp>

static_assert(TYPENET_VERSION_MAJOR == 0);
static_assert(TYPENET_ALIGNMENT % 16 == 0);
