#include "harness/runner/step_executor.h"
