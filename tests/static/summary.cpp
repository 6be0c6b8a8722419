// SPDX-License-Identifier: BSL-1.0
// Checks at compile time tn::summary<Net>() (typenet/nn/summary.hpp): rows, indices, shapes,
// parameter and activation counts, written-out repeat blocks and the fusion marks.
#include <typenet/typenet.hpp>

#include <cstddef>

namespace tn = typenet;

namespace {

struct mlp : tn::network<tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu, tn::dense<10>> {};
constexpr auto s = tn::summary<mlp>();

static_assert(s.size() == 3 && s.size() == mlp::layer_count);
static_assert(s.value_size == sizeof(float));
static_assert(s.input_shape == tn::summary_shape{1, {784}});
static_assert(s.output_shape == tn::summary_shape{1, {10}});
static_assert(s[0].index == 0 && s[1].index == 1 && s[2].index == 2);
static_assert(s[0].output_shape == tn::summary_shape{1, {256}} && s[2].output_shape.size() == 10);
static_assert(s[0].parameter_count == 784 * 256 + 256 && s[1].parameter_count == 0 &&
              s[2].parameter_count == 256 * 10 + 10);
static_assert(s[0].parameter_bytes == 4 * (784 * 256 + 256));
static_assert(s.parameter_count == mlp::parameter_count && s.parameter_bytes == 4 * mlp::parameter_count);
// Forward keeps dense's pre-activation and relu's output: 256 + 256 + 10 values per row.
static_assert(s[0].activation_bytes == 4 * 256 && s[1].activation_bytes == 4 * 256 && s[2].activation_bytes == 40);
static_assert(s.activation_bytes == 4 * (256 + 256 + 10));
static_assert(s.work_bytes == 4 * mlp::sequence::scratch_size);
// Backward's two work buffers hold the gradient at the one junction (256 wide), not at the
// 784-wide input (that one goes to dx, or nowhere) nor at the output (dy).
static_assert(mlp::sequence::scratch_size == 2 * 256);
// dense + relu run as one stage; the last dense has no activation after it.
static_assert(s[0].fused_with_next && !s[1].fused_with_next && !s[2].fused_with_next && s.fused_count() == 1);
static_assert(s[0].repetitions == 0);

// double: bytes double, counts do not change.
using mlp64 = tn::basic_network<double, tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu, tn::dense<10>>;
constexpr auto s64 = tn::summary<mlp64>();
static_assert(s64.value_size == 8 && s64.parameter_count == s.parameter_count &&
              s64.parameter_bytes == 2 * s.parameter_bytes && s64.activation_bytes == 2 * s.activation_bytes);

// flatten takes an index, as nn.Flatten does; a rank-3 input is reported as such.
struct conv_like : tn::network<tn::input<3, 4, 5>, tn::flatten, tn::dense<8>, tn::sigmoid, tn::dense<2>, tn::tanh> {};
constexpr auto c = tn::summary<conv_like>();
static_assert(c.size() == 5);
static_assert(c.input_shape == tn::summary_shape{3, {3, 4, 5}});
static_assert(c[0].output_shape == tn::summary_shape{1, {60}} && c[0].parameter_count == 0);
static_assert(c[0].activation_bytes == 4 * 60);
static_assert(c[1].parameter_count == 60 * 8 + 8);
static_assert(c[1].fused_with_next && c[3].fused_with_next && c.fused_count() == 2);

// repeat is written out: one row per layer per copy, with the state_dict index it really has.
struct deep : tn::network<tn::input<16>, tn::dense<32>, tn::relu, tn::repeat<3, tn::dense<32>, tn::tanh>, tn::dense<4>> {};
constexpr auto d = tn::summary<deep>();
static_assert(d.size() == 2 + 3 * 2 + 1 && d.size() == deep::layer_count);
static_assert(d[2].index == 2 && d[3].index == 3 && d[4].index == 4 && d[7].index == 7 && d[8].index == 8);
static_assert(d[2].repetition == 0 && d[2].repetitions == 3 && d[4].repetition == 1 && d[7].repetition == 2);
static_assert(d[8].repetitions == 0);
static_assert(d[2].parameter_count == 32 * 32 + 32 && d[4].parameter_count == 32 * 32 + 32 && d[3].parameter_count == 0);
static_assert(d[2].fused_with_next && !d[3].fused_with_next && d[4].fused_with_next && d.fused_count() == 4);
static_assert(d.parameter_count == deep::parameter_count);

// The rows add up to the totals, whatever the nesting.
template <class Sum>
constexpr bool rows_add_up(const Sum& x) {
    std::size_t p = 0, a = 0;
    for (const auto& r : x.rows) p += r.parameter_count, a += r.activation_bytes;
    return p == x.parameter_count && a == x.activation_bytes;
}
static_assert(rows_add_up(s) && rows_add_up(c) && rows_add_up(d));

// Nested repeat: indices stay those of the written-out list.
struct nested : tn::network<tn::input<8>, tn::repeat<2, tn::dense<8>, tn::repeat<2, tn::dense<8>, tn::relu>>> {};
constexpr auto n = tn::summary<nested>();
static_assert(n.size() == nested::layer_count && n.size() == 2 * (1 + 2 * 2));
static_assert(n[0].index == 0 && n[1].index == 1 && n[4].index == 4 && n[5].index == 5 && n[9].index == 9);
static_assert(n[1].repetitions == 2 && rows_add_up(n) && n.parameter_count == nested::parameter_count);

}  // namespace
