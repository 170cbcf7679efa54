// The cluster YAML loader (clusters/<id>/config.yaml and YAML API bodies): any input either
// fails with an error value or yields a cluster that survives the store's round trip: what
// the store writes parses again and writes the same text (compared as text, not with ==,
// because a `.nan` in free-form options never equals itself).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "throome/config/cluster_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = throome::config::parse_cluster_yaml(text);
  if (!parsed) return 0;
  const auto written = throome::config::to_yaml(parsed->config);
  auto again = throome::config::parse_cluster_yaml(written);
  if (!again || throome::config::to_yaml(again->config) != written) __builtin_trap();
  return 0;
}
