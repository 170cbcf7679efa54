#include "support/prometheus_text.hpp"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace throome::testing {

std::string series_key(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return name;
  std::string out = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + v + "\"";
  }
  return out + "}";
}

std::map<std::string, double> parse_prometheus_text(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          throw std::runtime_error("bad label in: " + line);
        }
        const std::string label = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) throw std::runtime_error("unterminated label in: " + line);
        labels[label] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) throw std::runtime_error("unterminated labels in: " + line);
      ++i;  // '}'
    }
    const auto value_start = line.find_first_not_of(' ', i);
    if (value_start == std::string::npos) throw std::runtime_error("no value in: " + line);
    const auto value_end = line.find(' ', value_start);
    const std::string value = line.substr(value_start, value_end - value_start);
    double v = 0;
    if (value == "+Inf") {
      v = std::numeric_limits<double>::infinity();
    } else if (value == "-Inf") {
      v = -std::numeric_limits<double>::infinity();
    } else {
      std::size_t used = 0;
      v = std::stod(value, &used);
      if (used != value.size()) throw std::runtime_error("bad value in: " + line);
    }
    out[series_key(name, labels)] = v;
  }
  return out;
}

double sample(const std::map<std::string, double>& samples, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  auto it = samples.find(series_key(name, labels));
  return it == samples.end() ? 0.0 : it->second;
}

}  // namespace throome::testing
