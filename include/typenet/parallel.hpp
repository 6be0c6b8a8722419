// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the opt-in umbrella for threads, the tn::parallel trainer policy and
// tn::thread_pool for inference, model(x, pool) (train/parallel.hpp). Not part of
// <typenet/typenet.hpp>: <thread> and the pool add about 0.25 s of compiler CPU to every
// translation unit that includes the umbrella (g++ 12 -O2: 1.48 s without, 1.72 s with), which
// programs that train on one thread need not pay.
#pragma once

#include <typenet/train/parallel.hpp>
