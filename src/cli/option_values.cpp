#include "option_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/shell_word.hpp"

namespace conveq::cli {

double parse_real(const std::string& option, const std::string& text, double min_value) {
  const std::string start = option + " " + (text.empty() ? "\"\"" : text) + ": ";
  const std::string rule = "must be a finite number >= " + format_number(min_value, "%g");
  std::string_view digits = text;
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+') {
    digits.remove_prefix(1);  // from_chars takes no '+'; people write it
  }
  double value = 0;
  const char* last = digits.data() + digits.size();
  const auto [end, error] = std::from_chars(digits.data(), last, value);
  if (digits.empty() || end != last || error == std::errc::invalid_argument) {
    throw InputError(start + rule);
  }
  if (error == std::errc::result_out_of_range) {
    // from_chars leaves `value` alone; strtod says which way the literal left the doubles.
    if (std::isinf(std::strtod(text.c_str(), nullptr))) {
      throw InputError(start + "overflows a double (the largest is about 1.8e308); " + rule);
    }
    const std::string zero = min_value <= 0 ? "write 0 if 0 is meant; " : "";
    throw InputError(start +
                     "underflows to 0 in a double (the smallest positive one is about 4.9e-324); " +
                     zero + rule);
  }
  if (!std::isfinite(value) || value < min_value) throw InputError(start + rule);
  return value + 0.0;  // -0 reads as 0
}

void refuse_empty_values(const CLI::App& app) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->count() == 0 || option->get_type_size() == 0) continue;  // absent, or a flag
    for (const auto& value : option->results()) {
      if (value.empty()) {
        throw InputError(option->get_name() +
                         " \"\": must not be empty; give a value or leave the option out");
      }
    }
  }
}

std::string options_text(const CLI::App& app, const std::function<bool(const CLI::Option*)>& keep) {
  std::string text;
  for (const CLI::Option* option : app.get_options()) {
    if (option->count() == 0 || !keep(option)) continue;
    if (option->get_positional()) {
      for (const auto& value : option->results()) text += " " + shell_word(value);
    } else if (option->get_expected_max() ==
               0) {  // a flag (CLI11 2.1's get_type_size() misses them)
      text += " " + option->get_name();
    } else {
      for (const auto& value : option->results()) {
        text += " " + option->get_name() + " " + shell_word(value);
      }
    }
  }
  return text;
}

std::string command_line(const CLI::App& app) {
  return "conveq " + app.get_name() + options_text(app, [](const CLI::Option*) { return true; });
}

}  // namespace conveq::cli
