// SPDX-License-Identifier: BSL-1.0
// Defines require_value_type, the check that a container holds float or double.
#pragma once

#include <type_traits>

namespace typenet::detail {

template <class T>
concept supported_value_type = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class Container, class T>
struct require_value_type {
    static_assert(supported_value_type<std::remove_const_t<T>>,
                  "typenet: tensor, batch: the value type must be float or double");
    static constexpr bool value = true;
};

}  // namespace typenet::detail
