#include "option_suggestion.hpp"

#include <algorithm>
#include <numeric>

namespace conveq::cli {

size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment: Levenshtein plus the swap of two neighbours ("lenght").
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  std::iota(d[0].begin(), d[0].end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string nearest_option(const CLI::App& command, const std::string& typed) {
  const std::string word = typed.substr(0, typed.find('='));
  // Close enough: at most a third of the word wrong (and at least 1, at most 3 edits).
  const size_t allowed = std::clamp<size_t>(word.size() / 3, 1, 3);
  std::string best;
  size_t best_distance = allowed + 1;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      const size_t distance = edit_distance(word, "--" + name);
      if (distance < best_distance) {
        best_distance = distance;
        best = "--" + name;
      }
    }
  }
  return best;
}

std::string unexpected_arguments_message(const CLI::App& command,
                                         const std::vector<std::string>& extras) {
  const std::string where = "conveq " + command.get_name();
  const auto option = std::find_if(extras.begin(), extras.end(), [](const std::string& arg) {
    return arg.size() > 1 && arg[0] == '-';
  });
  if (option == extras.end()) {
    const std::string first = extras.empty() ? "" : extras.front();
    return first + ": unexpected argument of " + where + "; see " + where + " --help";
  }
  const std::string suggestion = nearest_option(command, *option);
  const std::string name = option->substr(0, option->find('='));
  if (suggestion.empty())
    return name + ": unknown option of " + where + "; see " + where + " --help";
  return name + ": unknown option of " + where + "; did you mean " + suggestion + "?";
}

}  // namespace conveq::cli
