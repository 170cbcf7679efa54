#include "throome/api/body.hpp"

#include <string>

namespace throome::api {
namespace {

struct TooDeep {};

bool is_yaml(const std::string& ct) {
  return ct == "application/yaml" || ct == "application/x-yaml" || ct == "text/yaml" ||
         ct == "text/x-yaml";
}

bool is_json_like(const std::string& ct) {
  // curl -d sends application/x-www-form-urlencoded unless told otherwise: be lenient.
  return ct.empty() || ct == "application/json" || ct.ends_with("+json") || ct == "text/json" ||
         ct == "application/x-www-form-urlencoded" || ct == "text/plain";
}

}  // namespace

Result<nlohmann::json> parse_json_body(const http::Request& req) {
  const auto ct = req.content_type();
  if (!is_json_like(ct)) {
    return Error(Errc::unsupported_media_type, "unsupported Content-Type \"" + ct + "\"",
                 "send application/json");
  }
  if (req.body.empty()) return Error(Errc::bad_request, "request body is required");
  try {
    // `depth` counts the containers around the event (0 for the outermost value): a
    // container opening at depth kMaxJsonDepth would be number kMaxJsonDepth + 1.
    nlohmann::json::parser_callback_t limit = [](int depth, nlohmann::json::parse_event_t event,
                                                 nlohmann::json&) {
      if (depth >= kMaxJsonDepth && (event == nlohmann::json::parse_event_t::object_start ||
                                     event == nlohmann::json::parse_event_t::array_start)) {
        throw TooDeep{};
      }
      return true;
    };
    return nlohmann::json::parse(req.body, limit);
  } catch (const TooDeep&) {
    return Error(Errc::invalid_json,
                 "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  } catch (const nlohmann::json::parse_error& e) {
    return Error(Errc::invalid_json, "malformed JSON body",
                 "at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    // out_of_range 406: a number too large for a double ("1e400"). Anything else the
    // parser throws is malformed input too, never a 500.
    return Error(Errc::invalid_json, "malformed JSON body", e.what());
  }
}

Result<config::ParsedCluster> parse_cluster_body(const http::Request& req) {
  const auto ct = req.content_type();
  if (is_yaml(ct)) {
    if (req.body.empty()) return Error(Errc::bad_request, "request body is required");
    return config::parse_cluster_yaml(req.body);
  }
  auto doc = parse_json_body(req);
  if (!doc) return doc.error();
  if (!doc->is_object()) {
    return Error(Errc::bad_request, "request body must be a JSON object");
  }
  auto config_it = doc->find("config");
  if (config_it == doc->end()) {
    // Flat shape. "id" (what responses call the cluster id) is accepted for cluster_id.
    if (doc->contains("id") && !doc->contains("cluster_id")) {
      nlohmann::json flat = *doc;
      flat["cluster_id"] = flat["id"];
      flat.erase("id");
      return config::parse_cluster_json(flat);
    }
    return config::parse_cluster_json(*doc);
  }

  // Wrapped shape: {"name": ..., "config": {"services": ...}} (what existing clients send).
  if (!config_it->is_object()) {
    return Error(Errc::validation_failed, "config: must be a mapping",
                 nlohmann::json::array({{{"path", "config"}, {"message", "must be a mapping"}}}));
  }
  nlohmann::json merged = *config_it;
  for (const auto& [key, value] : doc->items()) {
    if (key == "config") continue;
    if (key == "id") {
      if (!merged.contains("cluster_id")) merged["cluster_id"] = value;
      continue;
    }
    if (!merged.contains(key)) merged[key] = value;
  }
  return config::parse_cluster_json(merged);
}

}  // namespace throome::api
