#include "throome/monitor/redis_command_info.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace throome::monitor {
namespace {

constexpr std::size_t kMaxCommandText = 256;
constexpr std::size_t kMaxCommandName = 32;

struct Known {
  std::string_view name;
  RedisKeySpec spec;
};

// Commands the cache API issues and the common ones of the generic endpoint. Key positions
// as in Redis's COMMAND INFO (first, last, step).
constexpr RedisKeySpec kOne{1, 1, 1};
constexpr RedisKeySpec kAll{1, -1, 1};
constexpr RedisKeySpec kPairs{1, -1, 2};
constexpr Known kKnown[] = {
    {"APPEND", kOne},        {"BITCOUNT", kOne},   {"BITPOS", kOne},
    {"COPY", {1, 2, 1}},     {"DECR", kOne},       {"DECRBY", kOne},
    {"DEL", kAll},           {"DUMP", kOne},       {"EXISTS", kAll},
    {"EXPIRE", kOne},        {"EXPIREAT", kOne},   {"EXPIRETIME", kOne},
    {"GET", kOne},           {"GETBIT", kOne},     {"GETDEL", kOne},
    {"GETEX", kOne},         {"GETRANGE", kOne},   {"GETSET", kOne},
    {"HDEL", kOne},          {"HEXISTS", kOne},    {"HGET", kOne},
    {"HGETALL", kOne},       {"HINCRBY", kOne},    {"HINCRBYFLOAT", kOne},
    {"HKEYS", kOne},         {"HLEN", kOne},       {"HMGET", kOne},
    {"HMSET", kOne},         {"HRANDFIELD", kOne}, {"HSCAN", kOne},
    {"HSET", kOne},          {"HSETNX", kOne},     {"HSTRLEN", kOne},
    {"HVALS", kOne},         {"INCR", kOne},       {"INCRBY", kOne},
    {"INCRBYFLOAT", kOne},   {"LINDEX", kOne},     {"LINSERT", kOne},
    {"LLEN", kOne},          {"LMOVE", {1, 2, 1}}, {"LPOP", kOne},
    {"LPOS", kOne},          {"LPUSH", kOne},      {"LPUSHX", kOne},
    {"LRANGE", kOne},        {"LREM", kOne},       {"LSET", kOne},
    {"LTRIM", kOne},         {"MGET", kAll},       {"MSET", kPairs},
    {"MSETNX", kPairs},      {"PERSIST", kOne},    {"PEXPIRE", kOne},
    {"PEXPIREAT", kOne},     {"PFADD", kOne},      {"PFCOUNT", kAll},
    {"PSETEX", kOne},        {"PTTL", kOne},       {"RENAME", {1, 2, 1}},
    {"RENAMENX", {1, 2, 1}}, {"RPOP", kOne},       {"RPOPLPUSH", {1, 2, 1}},
    {"RPUSH", kOne},         {"RPUSHX", kOne},     {"SADD", kOne},
    {"SCARD", kOne},         {"SDIFF", kAll},      {"SET", kOne},
    {"SETEX", kOne},         {"SETNX", kOne},      {"SETRANGE", kOne},
    {"SINTER", kAll},        {"SISMEMBER", kOne},  {"SMEMBERS", kOne},
    {"SMISMEMBER", kOne},    {"SPOP", kOne},       {"SRANDMEMBER", kOne},
    {"SREM", kOne},          {"STRLEN", kOne},     {"SUNION", kAll},
    {"TOUCH", kAll},         {"TTL", kOne},        {"TYPE", kOne},
    {"UNLINK", kAll},        {"WATCH", kAll},      {"XADD", kOne},
    {"XLEN", kOne},          {"XRANGE", kOne},     {"ZADD", kOne},
    {"ZCARD", kOne},         {"ZCOUNT", kOne},     {"ZINCRBY", kOne},
    {"ZRANGE", kOne},        {"ZRANK", kOne},      {"ZREM", kOne},
};

// Looked up by binary search.
static_assert(std::is_sorted(std::begin(kKnown), std::end(kKnown),
                             [](const Known& a, const Known& b) { return a.name < b.name; }));

std::string upper(std::string_view s) {
  std::string out(s.substr(0, kMaxCommandName));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool is_key_position(const RedisKeySpec& spec, std::size_t i, std::size_t argc) {
  const auto first = static_cast<std::size_t>(spec.first);
  const std::size_t last =
      spec.last < 0 ? argc - 1 : std::min(argc - 1, static_cast<std::size_t>(spec.last));
  if (i < first || i > last) return false;
  return (i - first) % static_cast<std::size_t>(spec.step) == 0;
}

// Adds one command's keys and values to `entry`.
void add_arguments(const std::vector<std::string>& argv, const std::string& cmd,
                   const ActivityOptions& options, ActivityEntry& entry) {
  if (redis_command_carries_credentials(cmd)) entry.redacted = true;
  if (argv.size() <= 1) return;
  entry.arg_count += argv.size() - 1;
  if (entry.redacted) return;
  const auto spec = redis_key_spec(cmd);
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (spec && is_key_position(*spec, i, argv.size())) {
      if (entry.keys.size() < kMaxActivityItems) {
        entry.keys.push_back(ActivityLog::truncate(argv[i], kMaxActivityKeyBytes));
      }
    } else if (options.store_values && entry.values.size() < kMaxActivityItems) {
      entry.values.push_back(ActivityLog::truncate(argv[i], options.value_max_bytes));
    }
  }
}

void append_name(std::string& text, const std::string& name) {
  if (text.size() >= kMaxCommandText) return;
  if (!text.empty()) text += ' ';
  text += name;
  if (text.size() > kMaxCommandText) text = ActivityLog::truncate(text, kMaxCommandText);
}

}  // namespace

std::optional<RedisKeySpec> redis_key_spec(std::string_view upper_command) {
  const auto* it =
      std::lower_bound(std::begin(kKnown), std::end(kKnown), upper_command,
                       [](const Known& k, std::string_view name) { return k.name < name; });
  if (it == std::end(kKnown) || it->name != upper_command) return std::nullopt;
  return it->spec;
}

bool redis_command_carries_credentials(std::string_view upper_command) {
  static constexpr std::array<std::string_view, 5> kSecret{"AUTH", "HELLO", "ACL", "CONFIG",
                                                           "MIGRATE"};
  return std::find(kSecret.begin(), kSecret.end(), upper_command) != kSecret.end();
}

void describe_redis_command(const std::vector<std::string>& argv, const ActivityOptions& options,
                            ActivityEntry& entry) {
  if (argv.empty()) return;
  std::string cmd = upper(argv.front());
  add_arguments(argv, cmd, options, entry);
  entry.command = std::move(cmd);
}

void describe_redis_commands(const std::vector<std::vector<std::string>>& commands,
                             const ActivityOptions& options, ActivityEntry& entry) {
  std::string text;
  for (const auto& argv : commands) {
    if (argv.empty()) continue;
    const std::string cmd = upper(argv.front());
    append_name(text, cmd);
    add_arguments(argv, cmd, options, entry);
  }
  entry.command = std::move(text);
}

}  // namespace throome::monitor
