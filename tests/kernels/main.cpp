// SPDX-License-Identifier: BSL-1.0
// Defines the Boost.Test module of the kernels test area.
#define BOOST_TEST_MODULE typenet_kernels
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
