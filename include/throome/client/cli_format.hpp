#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "throome/client/client_error.hpp"
#include "throome/client/data.hpp"

namespace throome::client {

/// How throome-cli prints a result: aligned tables for people, JSON for scripts, YAML for
/// people who prefer it.
enum class OutputFormat { table, json, yaml };

/// @return the format for "table", "json" or "yaml", else nullopt.
std::optional<OutputFormat> parse_output_format(std::string_view name) noexcept;

/// JSON pretty-printed with 2 spaces (UTF-8 kept as is) and a final '\n'.
std::string to_pretty_json(const nlohmann::json& value);

/// The document as JSON or YAML (for OutputFormat::table, as YAML: the readable fallback).
std::string format_document(const nlohmann::json& value, OutputFormat format);

/// Table of GET /api/v1/clusters: ID NAME SERVICES CREATED; "no clusters\n" when empty.
std::string format_cluster_list(const nlohmann::json& clusters);

/// A cluster from GET /api/v1/clusters/{id}: a header (ID, NAME, DESCRIPTION when set,
/// CREATED, UPDATED, STRATEGY) and a services table NAME TYPE HOST PORT HEALTHY.
/// Accepts services both as the {name: {...}} map under "config" and as a top-level array.
std::string format_cluster(const nlohmann::json& cluster);

/// One line for a POST /api/v1/clusters response, e.g.
/// `created cluster "shop-01" (name "Shop", 2 services)`.
std::string format_created(const nlohmann::json& response);

/// One line for a DELETE response: `deleted cluster "shop-01"`.
std::string format_deleted(const nlohmann::json& response, std::string_view id);

/// GET /health as a small table: STATUS, VERSION, SERVER.
std::string format_health(const nlohmann::json& health, std::string_view server);

/// One validation issue or warning as text: {"path","message"} -> "path: message", a string
/// as is, anything else as compact JSON.
std::string format_issue(const nlohmann::json& issue);

/// The one-line description of a failure printed after "throome-cli: ". For an HTTP error:
/// the daemon's message, its status in parentheses, then the details (issues joined by
/// "; "), e.g. `invalid cluster config (400): services.db.port: must be between 1 and 65535`.
std::string describe_error(const ClientError& error);

/// Bytes as JSON for output: a string when valid UTF-8, else {"base64": "..."} (the queue
/// API's convention), null for nullopt.
nlohmann::json bytes_json(const std::optional<std::string>& bytes);

/// `db query` as a table: the column names as header, one line per row (NULL for null,
/// JSON text for arrays and objects), then "(N rows)"; "(0 rows)" alone when empty.
std::string format_query(const QueryResult& result);

/// `db query -o json`: {"columns","rows","row_count","truncated"}.
nlohmann::json query_json(const QueryResult& result);

/// One record of `queue tail` for people: "PARTITION:OFFSET KEY VALUE" on one line (key "-"
/// when absent; binary values as base64:...), ending with '\n'.
std::string format_record(const Record& record);

/// One record as JSON: {"topic","partition","offset","key","value","headers","timestamp"}.
nlohmann::json record_json(const Record& record);

/// Collapses control characters (newlines, tabs) to spaces so a message stays on one line.
std::string one_line(std::string_view text);

}  // namespace throome::client
