#include "throome/client/client_error.hpp"

#include <stdexcept>

namespace throome::client {

std::string ClientError::code() const {
  if (body_.is_object()) {
    if (auto it = body_.find("code"); it != body_.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return {};
}

const nlohmann::json& ClientError::details() const {
  static const nlohmann::json kNull;
  if (body_.is_object()) {
    if (auto it = body_.find("details"); it != body_.end()) return *it;
  }
  return kNull;
}

const char* to_string(ClientError::Kind kind) noexcept {
  switch (kind) {
    case ClientError::Kind::transport:
      return "transport";
    case ClientError::Kind::http:
      return "http";
    case ClientError::Kind::protocol:
      return "protocol";
    case ClientError::Kind::usage:
      return "usage";
  }
  return "unknown";
}

void throw_exception_from_error(const ClientError& e, const boost::source_location&) {
  throw std::runtime_error(e.message());
}

}  // namespace throome::client
