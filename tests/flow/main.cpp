// SPDX-License-Identifier: BSL-1.0
// The gradient-flow area: the compile-time prediction checked against measurement at
// initialisation on deep, wide networks (seconds of arithmetic; not run under the sanitizers).
#define BOOST_TEST_MODULE typenet_flow
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
