// SPDX-License-Identifier: BSL-1.0
// Defines a temporary smoke test of the test-area mechanism (replace with real core tests).
#include <typenet/config.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(version_major_is_zero)
{
    BOOST_TEST(TYPENET_VERSION_MAJOR == 0);
}

BOOST_AUTO_TEST_SUITE_END()
