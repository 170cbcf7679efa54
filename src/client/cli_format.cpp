#include "throome/client/cli_format.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "client/api_codec.hpp"
#include "throome/client/table.hpp"
#include "throome/client/yaml_writer.hpp"
#include "throome/common/base64.hpp"

namespace throome::client {
namespace {

using nlohmann::json;

/// A field as display text: strings as is, null/absent as `fallback`, others as JSON.
std::string text(const json& object, std::string_view key, std::string fallback = "-") {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    return s.empty() ? fallback : one_line(s);
  }
  return it->dump();
}

std::string healthy_text(const json& service) {
  if (!service.is_object()) return "unknown";
  auto it = service.find("healthy");
  if (it == service.end() || !it->is_boolean()) return "unknown";
  return it->get<bool>() ? "yes" : "no";
}

std::size_t service_count(const json& cluster) {
  if (auto it = cluster.find("services"); it != cluster.end() && it->is_structured()) {
    return it->size();
  }
  if (auto config = cluster.find("config"); config != cluster.end() && config->is_object()) {
    if (auto it = config->find("services"); it != config->end() && it->is_structured()) {
      return it->size();
    }
  }
  return 0;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

std::optional<OutputFormat> parse_output_format(std::string_view name) noexcept {
  if (name == "table") return OutputFormat::table;
  if (name == "json") return OutputFormat::json;
  if (name == "yaml") return OutputFormat::yaml;
  return std::nullopt;
}

std::string to_pretty_json(const nlohmann::json& value) {
  return value.dump(2, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace) + "\n";
}

std::string format_document(const nlohmann::json& value, OutputFormat format) {
  return format == OutputFormat::json ? to_pretty_json(value) : json_to_yaml(value);
}

std::string format_cluster_list(const nlohmann::json& clusters) {
  if (!clusters.is_array() || clusters.empty()) return "no clusters\n";
  Table table({"ID", "NAME", "SERVICES", "CREATED"});
  for (const auto& c : clusters) {
    table.add_row({text(c, "id"), text(c, "name"),
                   std::to_string(c.is_object() ? service_count(c) : 0), text(c, "created_at")});
  }
  return table.render();
}

std::string format_cluster(const nlohmann::json& cluster) {
  const json& config =
      cluster.contains("config") && cluster["config"].is_object() ? cluster["config"] : cluster;

  Table header;
  header.add_row({"ID:", text(cluster, "id")});
  header.add_row({"NAME:", text(cluster, "name")});
  if (text(cluster, "description", "").size() > 0) {
    header.add_row({"DESCRIPTION:", text(cluster, "description")});
  }
  header.add_row({"CREATED:", text(cluster, "created_at")});
  header.add_row({"UPDATED:", text(cluster, "updated_at")});
  if (auto routing = config.find("routing"); routing != config.end() && routing->is_object()) {
    header.add_row({"STRATEGY:", text(*routing, "strategy")});
  }

  Table services({"SERVICE", "TYPE", "HOST", "PORT", "HEALTHY"});
  const json* list = nullptr;
  if (auto it = config.find("services"); it != config.end()) list = &*it;
  if (list != nullptr && list->is_object()) {
    for (const auto& [name, s] : list->items()) {
      services.add_row(
          {one_line(name), text(s, "type"), text(s, "host"), text(s, "port"), healthy_text(s)});
    }
  } else if (list != nullptr && list->is_array()) {
    for (const auto& s : *list) {
      services.add_row(
          {text(s, "name"), text(s, "type"), text(s, "host"), text(s, "port"), healthy_text(s)});
    }
  }

  std::string out = header.render();
  out += '\n';
  out += services.rows() > 1 ? services.render() : "no services\n";
  return out;
}

std::string format_created(const nlohmann::json& response) {
  std::string out = "created cluster \"" + text(response, "id") + "\"";
  std::vector<std::string> parts;
  if (auto name = text(response, "name", ""); !name.empty()) {
    parts.push_back("name \"" + name + "\"");
  }
  if (response.is_object()) parts.push_back(plural(service_count(response), "service"));
  if (!parts.empty()) {
    out += " (";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? ", " : "") + parts[i];
    out += ")";
  }
  return out + "\n";
}

std::string format_deleted(const nlohmann::json& response, std::string_view id) {
  std::string shown = text(response, "id", "");
  if (shown.empty()) shown = std::string(id);
  return "deleted cluster \"" + shown + "\"\n";
}

std::string format_health(const nlohmann::json& health, std::string_view server) {
  Table table;
  table.add_row({"STATUS:", text(health, "status")});
  table.add_row({"VERSION:", text(health, "version")});
  table.add_row({"SERVER:", std::string(server)});
  return table.render();
}

std::string format_issue(const nlohmann::json& issue) {
  if (issue.is_string()) return one_line(issue.get<std::string>());
  if (issue.is_object() && issue.contains("message")) {
    const std::string path = text(issue, "path", "");
    const std::string message = text(issue, "message", "");
    return path.empty() ? message : path + ": " + message;
  }
  return issue.dump();
}

std::string describe_error(const ClientError& error) {
  if (error.kind() != ClientError::Kind::http) return one_line(error.message());
  const std::string status = std::to_string(error.http_status());
  const json& details = error.details();
  std::string head = one_line(error.message());
  if (details.is_array() && !details.empty() && head == format_issue(details[0])) {
    // The daemon's message is its first issue; the list below repeats it. Lead with what
    // kind of failure it is instead ("validation failed").
    std::string code = error.code();
    std::replace(code.begin(), code.end(), '_', ' ');
    head = code.empty() ? "invalid request" : code;
  }
  std::string out = head;
  if (out.rfind("HTTP " + status, 0) != 0) out += " (" + status + ")";
  if (details.is_string() && !details.get<std::string>().empty() &&
      details.get<std::string>() != error.message()) {
    out += ": " + one_line(details.get<std::string>());
  } else if (details.is_array() && !details.empty()) {
    out += ": ";
    for (std::size_t i = 0; i < details.size(); ++i) {
      if (i > 0) out += "; ";
      out += format_issue(details[i]);
    }
  }
  return out;
}

json bytes_json(const std::optional<std::string>& bytes) {
  if (!bytes) return nullptr;
  if (detail::is_utf8(*bytes)) return *bytes;
  return {{"base64", common::base64_encode(*bytes)}};
}

namespace {

/// A cell of a data table: text on one line, NULL for null, JSON text for the rest.
std::string cell(const json& v) {
  if (v.is_null()) return "NULL";
  if (v.is_string()) return one_line(v.get_ref<const std::string&>());
  return one_line(v.dump(-1, ' ', false, json::error_handler_t::replace));
}

/// Bytes for a one-line display: text as is (control characters collapsed), binary as
/// "base64:...".
std::string bytes_text(const std::optional<std::string>& bytes) {
  if (!bytes) return "-";
  if (detail::is_utf8(*bytes)) return one_line(*bytes);
  return "base64:" + common::base64_encode(*bytes);
}

}  // namespace

std::string format_query(const QueryResult& result) {
  const auto n = result.rows.size();
  const std::string footer =
      "(" + plural(n, "row") + (result.truncated ? ", truncated by max_rows" : "") + ")\n";
  std::vector<std::string> names;
  for (const auto& c : result.columns) {
    names.push_back(c.is_object() ? one_line(c.value("name", "?")) : cell(c));
  }
  if (names.empty() && n > 0 && result.rows.front().is_object()) {
    for (const auto& [k, unused] : result.rows.front().items()) names.push_back(k);
  }
  if (names.empty()) return footer;
  Table table(names);
  for (const auto& row : result.rows) {
    std::vector<std::string> cells;
    if (row.is_object()) {
      for (const auto& c : result.columns) {
        const std::string key = c.is_object() ? c.value("key", c.value("name", "")) : "";
        auto it = row.find(key);
        cells.push_back(it == row.end() ? "" : cell(*it));
      }
    } else if (row.is_array()) {
      for (const auto& v : row) cells.push_back(cell(v));
    }
    table.add_row(std::move(cells));
  }
  return table.render() + footer;
}

json query_json(const QueryResult& result) {
  return {{"columns", result.columns},
          {"rows", result.rows},
          {"row_count", result.rows.size()},
          {"truncated", result.truncated}};
}

std::string format_record(const Record& record) {
  return std::to_string(record.partition) + ":" + std::to_string(record.offset) + "  " +
         bytes_text(record.key) + "  " + bytes_text(record.value) + "\n";
}

json record_json(const Record& record) {
  json headers = json::array();
  for (const auto& h : record.headers) {
    headers.push_back({{"name", h.name}, {"value", bytes_json(h.value)}});
  }
  return {{"topic", record.topic},
          {"partition", record.partition},
          {"offset", record.offset},
          {"key", bytes_json(record.key)},
          {"value", bytes_json(record.value)},
          {"headers", std::move(headers)},
          {"timestamp", record.timestamp_ms ? json(*record.timestamp_ms) : json(nullptr)}};
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace throome::client
