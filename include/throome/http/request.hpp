#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace throome::http {

/// Header list with case-insensitive lookup (HTTP field names are case-insensitive).
class Headers {
 public:
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  /// Replaces every field called `name` by one with `value`.
  void set(std::string_view name, std::string value);
  /// @return the first value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// One HTTP request, independent of the transport (no Beast types), so handlers and the
/// dispatcher compile and test without sockets.
struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, e.g. "/api/v1/clusters?limit=5"
  std::string path;    // target without the query, still percent-encoded
  std::string query;   // raw query string without '?'
  Headers headers;
  std::string body;
  /// The body's size as received: a handler may take `body` (queue publish moves it into the
  /// batch it produces, whose messages are views of it).
  std::size_t body_bytes = 0;
  std::string remote_address;
  unsigned version = 11;  // 10 or 11
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();

  // Filled by the dispatcher.
  std::string request_id;
  std::string route;  // the matched template, e.g. "/api/v1/clusters/{id}"; empty if none
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  // Filled by the access guard: the API key's name (never the key itself), and whether the
  // caller may only read (handlers then keep writes out, e.g. SQL runs READ ONLY).
  std::string principal;
  bool read_only = false;

  /// @return the decoded path parameter `name` (empty when absent).
  const std::string& param(std::string_view name) const;
  /// @return the first decoded query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  /// @return the media type of Content-Type, lower-cased, without parameters ("" if absent).
  std::string content_type() const;
};

/// Percent-decodes a URL component; '+' stays '+' unless `plus_as_space`.
/// @return nullopt for a malformed escape (e.g. "%zz").
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space = false);

/// Splits a query string into decoded (name, value) pairs; malformed pairs are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace throome::http
