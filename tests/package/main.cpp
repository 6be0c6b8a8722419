// SPDX-License-Identifier: BSL-1.0
// Defines a program that only proves an installed typenet is found, includes and links.
#include <typenet/typenet.hpp>

int main()
{
    static_assert(TYPENET_VERSION_MAJOR == 0);
    return 0;
}
