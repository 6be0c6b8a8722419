// SPDX-License-Identifier: BSL-1.0
// Defines a temporary placeholder for the first example (the lead replaces it).
#include <typenet/typenet.hpp>

#include <cstdio>

int main(int, char**)
{
    std::printf("typenet %d.%d.%d: example 01_expressions placeholder\n", TYPENET_VERSION_MAJOR,
                TYPENET_VERSION_MINOR, TYPENET_VERSION_PATCH);
    return 0;
}
