// Everything a backend needs to run a model: include this one header.
#pragma once

#include "lag.hpp"
#include "math.hpp"
#include "model.hpp"
#include "registry.hpp"
#include "run_args.hpp"
#include "runner.hpp"
#include "status.hpp"
#include "steppers/adams.hpp"
#include "steppers/common.hpp"
#include "steppers/explicit_rk.hpp"
#include "steppers/rk45.hpp"
#include "types.hpp"
