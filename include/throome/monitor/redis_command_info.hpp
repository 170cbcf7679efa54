#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/monitor/activity_log.hpp"

namespace throome::monitor {

/// Where a Redis command's key names are: argv positions first..last (last -1 = through the
/// end) every `step`.
struct RedisKeySpec {
  int first = 1;
  int last = 1;
  int step = 1;
};

/// @return the key positions of a known command (upper case), or nullopt when unknown (then
///         no argument is treated as a key name).
std::optional<RedisKeySpec> redis_key_spec(std::string_view upper_command);

/// True for commands whose arguments or replies may hold credentials (AUTH, HELLO, ACL,
/// CONFIG, MIGRATE): their arguments and replies are never stored.
bool redis_command_carries_credentials(std::string_view upper_command);

/// Most keys and values kept per entry; longer lists are cut (arg_count tells the real size).
inline constexpr std::size_t kMaxActivityItems = 16;
/// Longest key name kept.
inline constexpr std::size_t kMaxActivityKeyBytes = 256;

/// Fills command, keys, arg_count, values and redacted of `entry` from one command's argv.
/// Values are kept only with `options.store_values`, truncated to value_max_bytes.
void describe_redis_command(const std::vector<std::string>& argv, const ActivityOptions& options,
                            ActivityEntry& entry);

/// The same for a MULTI/EXEC group: command lists the command names in order
/// ("MULTI SET INCR EXEC"), keys and values are those of every command.
void describe_redis_commands(const std::vector<std::vector<std::string>>& commands,
                             const ActivityOptions& options, ActivityEntry& entry);

}  // namespace throome::monitor
