// SPDX-License-Identifier: BSL-1.0
// Defines the tests of core/shape.hpp and the shape algebra and concepts built on it.
#define TYPENET_CHECK_BOUNDS 1  // every core test TU agrees on it (one definition of element access)

#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/core/shape_concepts.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <type_traits>

namespace tn = typenet;

BOOST_AUTO_TEST_SUITE(shape)

BOOST_AUTO_TEST_CASE(rank_and_size_count_the_extents)
{
    static_assert(tn::shape<>::rank == 0 && tn::shape<>::size == 1);
    static_assert(tn::rank_v<tn::shape<28, 28>> == 2 && tn::size_v<tn::shape<28, 28>> == 784);
    static_assert(tn::size_v<tn::shape<4, 0, 3>> == 0);
    static_assert(tn::extent_v<tn::shape<2, 3, 5>, 0> == 2 && tn::extent_v<tn::shape<2, 3, 5>, 2> == 5);
    constexpr std::array<std::size_t, 3> e{2, 3, 5};
    BOOST_TEST((tn::shape<2, 3, 5>::extents == e));
    BOOST_TEST(tn::size_v<tn::shape<7>> == 7u);
}

BOOST_AUTO_TEST_CASE(shape_type_accepts_only_shapes)
{
    static_assert(tn::shape_type<tn::shape<>> && tn::shape_type<tn::shape<1, 2>>);
    static_assert(!tn::shape_type<int> && !tn::shape_type<std::array<std::size_t, 2>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(broadcast_follows_numpy_trailing_axis_rule)
{
    static_assert(std::is_same_v<tn::broadcast_t<tn::shape<2, 3>, tn::shape<3>>, tn::shape<2, 3>>);
    static_assert(std::is_same_v<tn::broadcast_t<tn::shape<4, 1>, tn::shape<1, 3>>, tn::shape<4, 3>>);
    static_assert(std::is_same_v<tn::broadcast_t<tn::shape<4, 1, 5>, tn::shape<3, 1>>, tn::shape<4, 3, 5>>);
    static_assert(std::is_same_v<tn::broadcast_t<tn::shape<>, tn::shape<7>>, tn::shape<7>>);
    static_assert(std::is_same_v<tn::broadcast_t<tn::shape<7>, tn::shape<>>, tn::shape<7>>);
    static_assert(tn::broadcastable<tn::shape<2, 3>, tn::shape<1>>);
    static_assert(!tn::broadcastable<tn::shape<2, 3>, tn::shape<2>>);
    static_assert(!tn::broadcastable<tn::shape<4, 3>, tn::shape<3, 3>>);
    static_assert(tn::broadcastable_to<tn::shape<3>, tn::shape<2, 3>>);
    static_assert(!tn::broadcastable_to<tn::shape<2, 3>, tn::shape<3>>);
    static_assert(!tn::broadcastable_to<tn::shape<4, 1>, tn::shape<1, 3>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(matmul_and_transpose_shapes_follow_linear_algebra)
{
    static_assert(std::is_same_v<tn::matmul_t<tn::shape<3, 5>, tn::shape<5, 7>>, tn::shape<3, 7>>);
    static_assert(tn::matmul_compatible<tn::shape<1, 1>, tn::shape<1, 1>>);
    static_assert(!tn::matmul_compatible<tn::shape<3, 5>, tn::shape<3, 5>>);
    static_assert(!tn::matmul_compatible<tn::shape<5>, tn::shape<5, 2>>);
    static_assert(std::is_same_v<tn::transpose_t<tn::shape<3, 5>>, tn::shape<5, 3>>);
    static_assert(tn::matrix_shape<tn::shape<1, 9>> && !tn::matrix_shape<tn::shape<9>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(remove_axis_and_flatten_keep_the_other_extents)
{
    static_assert(std::is_same_v<tn::remove_axis_t<tn::shape<2, 3, 5>, 0>, tn::shape<3, 5>>);
    static_assert(std::is_same_v<tn::remove_axis_t<tn::shape<2, 3, 5>, 1>, tn::shape<2, 5>>);
    static_assert(std::is_same_v<tn::remove_axis_t<tn::shape<2, 3, 5>, 2>, tn::shape<2, 3>>);
    static_assert(std::is_same_v<tn::remove_axis_t<tn::shape<7>, 0>, tn::shape<>>);
    static_assert(std::is_same_v<tn::flatten_t<tn::shape<2, 3, 5>>, tn::shape<30>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(same_shape_is_type_identity)
{
    static_assert(tn::same_shape<tn::shape<2, 3>, tn::shape<2, 3>>);
    static_assert(!tn::same_shape<tn::shape<2, 3>, tn::shape<3, 2>>);
    static_assert(!tn::same_shape<tn::shape<6>, tn::shape<2, 3>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
