// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::extent_v with an axis the shape does not have.
// shape<2, 3> has axes 0 and 1, so extent_v<shape<2, 3>, 2> is rejected.
// expect: typenet: extent_v: the axis must be less than the shape's rank
// expect: extent_v<typenet::shape<2, 3>, 2>
#include <typenet/typenet.hpp>

#include <cstddef>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
std::size_t depth() { return tn::extent_v<tn::shape<2, 3>, 2>; }
#else
std::size_t depth() { return tn::extent_v<tn::shape<2, 3>, 1>; }
#endif
