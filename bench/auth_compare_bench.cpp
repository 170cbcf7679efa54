// Times KeyRing::find (SHA-256 of the presented key, then a constant-time comparison with every
// configured digest) for wrong keys that share nothing, half, or all but the last byte with a
// configured key, and for the right key. The times should not depend on the shared prefix.
// Usage: bench_auth_compare [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "throome/auth/key_ring.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double median_ns(const throome::auth::KeyRing& ring, const std::string& key, int iterations) {
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(iterations));
  volatile bool sink = false;
  for (int i = 0; i < iterations; ++i) {
    const auto t0 = Clock::now();
    for (int j = 0; j < 64; ++j) sink = ring.find(key) != nullptr;
    const auto t1 = Clock::now();
    samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / 64);
  }
  (void)sink;
  std::nth_element(samples.begin(), samples.begin() + iterations / 2, samples.end());
  return samples[static_cast<std::size_t>(iterations / 2)];
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::max(11, std::atoi(argv[1])) : 2001;
  const std::string real(32, 'k');
  throome::config::AuthConfig auth;
  auth.enabled = true;
  for (int i = 0; i < 8; ++i) {
    throome::config::ApiKeyConfig key;
    key.name = "key" + std::to_string(i);
    key.key_env = "K" + std::to_string(i);
    key.role = "admin";
    auth.api_keys.push_back(key);
  }
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    return name == "K7" ? real : real.substr(0, 16) + name + std::string(16, 'x');
  };
  const auto ring = throome::auth::KeyRing::from_config(auth, env);
  struct Case {
    const char* what;
    std::string key;
  };
  std::string last = real;
  last.back() = 'j';
  const Case cases[] = {
      {"no shared prefix", std::string(32, 'z')},
      {"half shared", real.substr(0, 16) + std::string(16, 'z')},
      {"all but the last byte", last},
      {"right key", real},
  };
  std::printf("%-24s %12s\n", "presented key", "median ns");
  for (int round = 0; round < 2; ++round) {  // the first round warms caches
    for (const auto& c : cases) {
      const double ns = median_ns(ring, c.key, iterations);
      if (round == 1) std::printf("%-24s %12.1f\n", c.what, ns);
    }
  }
  return 0;
}
