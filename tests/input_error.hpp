#pragma once
// The message of the InputError an action throws, or "" when it throws none.
#include <functional>
#include <string>

#include "conveq/core/error.hpp"

inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const conveq::InputError& e) {
    return e.what();
  }
  return "";
}
