// SPDX-License-Identifier: BSL-1.0
// Defines the Boost.Test module of the io area (.npy / .npz files).
#define BOOST_TEST_MODULE typenet_io
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
