#include "throome/monitor/access_log.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace throome::monitor {
namespace {

// The error message of a 5xx JSON error body ("message: details"), or "".
std::string server_error(const http::Response& resp) {
  if (resp.status < 500 || resp.body.empty() || resp.body.front() != '{') return {};
  auto body = nlohmann::json::parse(resp.body, nullptr, false);
  if (!body.is_object()) return {};
  std::string text = body.value("error", "");
  if (auto d = body.find("details"); d != body.end() && d->is_string()) {
    text += (text.empty() ? "" : ": ") + d->get<std::string>();
  }
  return text;
}

std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A path parameter as a log token: as is when it looks like a cluster id, else quoted (it
// is decoded client input: no spaces or newlines may reach the log unescaped).
std::string token(const std::string& text) {
  bool plain = !text.empty() && text.size() <= 64;
  for (char c : text) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.');
  }
  return plain ? text : quoted(text);
}

}  // namespace

void AccessLog::on_response(const http::Request& req, const http::Response& resp,
                            std::chrono::nanoseconds duration) {
  const double ms = static_cast<double>(duration.count()) / 1e6;
  const auto level = resp.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  if (!spdlog::should_log(level)) return;
  const std::string& id = req.param("id");
  const std::string cluster = id.empty() ? std::string() : token(id);
  const std::string error = server_error(resp);
  // The API key's name when one was accepted; never a header (keys stay out of logs).
  const std::string key = req.principal.empty() ? std::string() : token(req.principal);
  spdlog::log(level, "http {} {} {} {}B {:.3f}ms route={}{}{} rid={} peer={}{}{}{}{}",
              req.method.empty() ? "-" : req.method, req.path.empty() ? "-" : req.path, resp.status,
              resp.body.size(), ms, req.route.empty() ? "-" : req.route,
              cluster.empty() ? "" : " cluster=", cluster, req.request_id, req.remote_address,
              key.empty() ? "" : " key=", key,
              error.empty() ? "" : " error=", error.empty() ? "" : quoted(error));
}

}  // namespace throome::monitor
