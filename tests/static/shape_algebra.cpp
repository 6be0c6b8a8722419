// SPDX-License-Identifier: BSL-1.0
// Checks at compile time the shape algebra (typenet/core/shape_algebra.hpp), the shape concepts
// (typenet/core/shape_concepts.hpp), the shape traits and the expression concepts.
#include <typenet/typenet.hpp>

#include <array>
#include <type_traits>

namespace tn = typenet;

namespace {

using tn::shape;

// --- shape traits ---
static_assert(tn::rank_v<shape<>> == 0 && tn::size_v<shape<>> == 1);
static_assert(tn::rank_v<shape<7>> == 1 && tn::size_v<shape<7>> == 7);
static_assert(tn::rank_v<shape<2, 3, 4>> == 3 && tn::size_v<shape<2, 3, 4>> == 24);
static_assert(tn::size_v<shape<5, 0>> == 0);
static_assert(tn::extent_v<shape<2, 3, 4>, 0> == 2 && tn::extent_v<shape<2, 3, 4>, 1> == 3 &&
              tn::extent_v<shape<2, 3, 4>, 2> == 4);
static_assert(shape<2, 3>::extents == std::array<std::size_t, 2>{2, 3});
static_assert(tn::shape_type<shape<>> && tn::shape_type<shape<1, 2>>);
static_assert(!tn::shape_type<int> && !tn::shape_type<tn::tensor<float, shape<2>>>);

// --- broadcast_t: NumPy's rule, trailing axes aligned ---
static_assert(std::is_same_v<tn::broadcast_t<shape<3>, shape<3>>, shape<3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<2, 3>, shape<2, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<>, shape<>>, shape<>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<>, shape<2, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<2, 3>, shape<>>, shape<2, 3>>);
// rank growth, on either side
static_assert(std::is_same_v<tn::broadcast_t<shape<2, 3>, shape<3>>, shape<2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<3>, shape<2, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<4, 2, 3>, shape<3>>, shape<4, 2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<2, 3>, shape<5, 1, 1>>, shape<5, 2, 3>>);
// 1-extents stretch, on either side and in the same shape
static_assert(std::is_same_v<tn::broadcast_t<shape<4, 1>, shape<1, 3>>, shape<4, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<1, 3>, shape<4, 1>>, shape<4, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<4, 1>, shape<3>>, shape<4, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<1>, shape<2, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<1, 1>, shape<1>>, shape<1, 1>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<1, 5, 1>, shape<3, 1, 7>>, shape<3, 5, 7>>);
// commutative on these cases
static_assert(std::is_same_v<tn::broadcast_t<shape<6, 1, 4>, shape<5, 1>>, tn::broadcast_t<shape<5, 1>, shape<6, 1, 4>>>);
static_assert(std::is_same_v<tn::broadcast_t<shape<6, 1, 4>, shape<5, 1>>, shape<6, 5, 4>>);

// --- matmul_t, transpose_t ---
static_assert(std::is_same_v<tn::matmul_t<shape<2, 3>, shape<3, 4>>, shape<2, 4>>);
static_assert(std::is_same_v<tn::matmul_t<shape<1, 1>, shape<1, 1>>, shape<1, 1>>);
static_assert(std::is_same_v<tn::matmul_t<shape<5, 7>, shape<7, 1>>, shape<5, 1>>);
static_assert(std::is_same_v<tn::transpose_t<shape<2, 3>>, shape<3, 2>>);
static_assert(std::is_same_v<tn::transpose_t<shape<4, 4>>, shape<4, 4>>);
static_assert(std::is_same_v<tn::transpose_t<tn::transpose_t<shape<2, 9>>>, shape<2, 9>>);
static_assert(std::is_same_v<tn::transpose_t<tn::matmul_t<shape<2, 3>, shape<3, 4>>>,
                             tn::matmul_t<tn::transpose_t<shape<3, 4>>, tn::transpose_t<shape<2, 3>>>>);

// --- remove_axis_t, flatten_t ---
static_assert(std::is_same_v<tn::remove_axis_t<shape<2, 3, 4>, 0>, shape<3, 4>>);
static_assert(std::is_same_v<tn::remove_axis_t<shape<2, 3, 4>, 1>, shape<2, 4>>);
static_assert(std::is_same_v<tn::remove_axis_t<shape<2, 3, 4>, 2>, shape<2, 3>>);
static_assert(std::is_same_v<tn::remove_axis_t<shape<7>, 0>, shape<>>);
static_assert(std::is_same_v<tn::remove_axis_t<shape<1, 1>, 1>, shape<1>>);
static_assert(std::is_same_v<tn::flatten_t<shape<2, 3, 4>>, shape<24>>);
static_assert(std::is_same_v<tn::flatten_t<shape<5>>, shape<5>>);
static_assert(std::is_same_v<tn::flatten_t<shape<>>, shape<1>>);

// --- concepts, positive and negative ---
static_assert(tn::same_shape<shape<2, 3>, shape<2, 3>>);
static_assert(tn::same_shape<shape<>, shape<>>);
static_assert(!tn::same_shape<shape<2, 3>, shape<3, 2>>);
static_assert(!tn::same_shape<shape<3>, shape<1, 3>>);
static_assert(!tn::same_shape<shape<3>, int>);

static_assert(tn::broadcastable<shape<2, 3>, shape<3>>);
static_assert(tn::broadcastable<shape<3>, shape<2, 3>>);
static_assert(tn::broadcastable<shape<4, 1>, shape<1, 3>>);
static_assert(tn::broadcastable<shape<>, shape<9, 9>>);
static_assert(tn::broadcastable<shape<1, 5, 1>, shape<3, 1, 7>>);
static_assert(!tn::broadcastable<shape<2, 3>, shape<2>>);
static_assert(!tn::broadcastable<shape<3>, shape<4>>);
static_assert(!tn::broadcastable<shape<2, 3>, shape<3, 3>>);
static_assert(!tn::broadcastable<shape<2, 3>, int>);

static_assert(tn::broadcastable_to<shape<3>, shape<2, 3>>);
static_assert(tn::broadcastable_to<shape<1, 3>, shape<2, 3>>);
static_assert(tn::broadcastable_to<shape<>, shape<2, 3>>);
static_assert(tn::broadcastable_to<shape<2, 3>, shape<2, 3>>);
static_assert(tn::broadcastable_to<shape<2, 1>, shape<4, 2, 3>>);
static_assert(!tn::broadcastable_to<shape<2, 3>, shape<3>>);       // rank would shrink
static_assert(!tn::broadcastable_to<shape<4, 1>, shape<1, 3>>);    // both sides would stretch
static_assert(!tn::broadcastable_to<shape<2, 3>, shape<2, 1>>);    // values would be lost
static_assert(!tn::broadcastable_to<shape<3>, shape<4>>);

static_assert(tn::matmul_compatible<shape<2, 3>, shape<3, 4>>);
static_assert(tn::matmul_compatible<shape<1, 1>, shape<1, 1>>);
static_assert(!tn::matmul_compatible<shape<2, 3>, shape<4, 3>>);
static_assert(!tn::matmul_compatible<shape<3>, shape<3, 4>>);
static_assert(!tn::matmul_compatible<shape<2, 3>, shape<3>>);
static_assert(!tn::matmul_compatible<shape<2, 2, 3>, shape<3, 4>>);
static_assert(!tn::matmul_compatible<shape<2, 3>, int>);

static_assert(tn::matrix_shape<shape<2, 3>>);
static_assert(!tn::matrix_shape<shape<6>> && !tn::matrix_shape<shape<1, 2, 3>> && !tn::matrix_shape<shape<>>);

// --- expression concepts ---
using tensor_t = tn::tensor<float, shape<2, 3>>;
using batch_t = tn::batch<double, 4>;
using sum_t = decltype(std::declval<const tensor_t&>() + std::declval<const tensor_t&>());
using batch_expr_t = decltype(tn::tanh{}(std::declval<const batch_t&>()) * 2.0);
using symbolic_t = decltype(tn::_x * tn::sigmoid{}(tn::_x));
using select_t = decltype(tn::select(std::declval<const tensor_t&>() > 0.0f, std::declval<const tensor_t&>(), 0.0f));

static_assert(tn::expression<tensor_t> && tn::expression<const tensor_t&> && tn::expression<tensor_t&&>);
static_assert(tn::expression<batch_t>);
static_assert(tn::expression<tn::tensor_view<const float, shape<2, 3>>>);
static_assert(tn::expression<tn::batch_view<double, 4>>);
static_assert(tn::expression<sum_t> && tn::expression<batch_expr_t> && tn::expression<select_t>);
static_assert(tn::expression<tn::placeholder> && tn::expression<decltype(tn::rational<1, 2>)>);
static_assert(tn::expression<symbolic_t> && tn::expression<tn::scalar<float>>);
static_assert(!tn::expression<float> && !tn::expression<shape<2>> && !tn::expression<int*>);

static_assert(tn::leaf_expression<tensor_t> && tn::leaf_expression<const tensor_t&>);
static_assert(tn::leaf_expression<batch_t>);
static_assert(tn::leaf_expression<tn::tensor_view<float, shape<3>>>);
static_assert(tn::leaf_expression<tn::batch_view<double, 4>>);
static_assert(!tn::leaf_expression<sum_t> && !tn::leaf_expression<batch_expr_t>);
static_assert(!tn::leaf_expression<tn::placeholder> && !tn::leaf_expression<symbolic_t>);
static_assert(!tn::leaf_expression<tn::scalar<float>> && !tn::leaf_expression<float>);

static_assert(tn::expression_of<tensor_t, shape<2, 3>> && tn::expression_of<const tensor_t&, shape<2, 3>>);
static_assert(!tn::expression_of<tensor_t, shape<3, 2>> && !tn::expression_of<tensor_t, shape<6>>);
static_assert(tn::expression_of<sum_t, shape<2, 3>>);
static_assert(tn::expression_of<batch_t, shape<4>>);  // the feature shape
static_assert(tn::expression_of<batch_expr_t, shape<4>>);
static_assert(tn::expression_of<decltype(std::declval<const tensor_t&>() + std::declval<const tn::tensor<float, shape<3>>&>()),
                                shape<2, 3>>);
static_assert(tn::expression_of<symbolic_t, shape<>>);
static_assert(!tn::expression_of<float, shape<>>);

static_assert(tn::operand<float> && tn::operand<const double&> && tn::operand<int> && tn::operand<tensor_t&>);
static_assert(!tn::operand<int*> && !tn::operand<shape<2>>);

}  // namespace
