// SPDX-License-Identifier: BSL-1.0
// Defines a temporary smoke test of the compile-fail mechanism (replace with real rules).
// expect: typenet: smoke: this must fail
#include <typenet/config.hpp>

#ifdef TYPENET_SHOULD_FAIL
static_assert(sizeof(int) == 0, "typenet: smoke: this must fail");
#else
static_assert(sizeof(int) != 0, "typenet: smoke: this must fail");
#endif
