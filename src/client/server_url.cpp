#include "throome/client/server_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace throome::client {
namespace {

ClientError usage(std::string_view url, std::string reason) {
  return ClientError(ClientError::Kind::usage,
                     "invalid server URL \"" + std::string(url) + "\": " + std::move(reason));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string ServerUrl::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

std::string ServerUrl::to_string() const {
  return (tls ? "https://" : "http://") + host_header() + base_path;
}

ClientResult<ServerUrl> parse_server_url(std::string_view url) {
  if (url.empty()) return usage(url, "empty");
  if (std::any_of(url.begin(), url.end(),
                  [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
    return usage(url, "contains whitespace");
  }

  std::string_view rest = url;
  ServerUrl out;
  if (auto pos = rest.find("://"); pos != std::string_view::npos) {
    const std::string scheme = lower(rest.substr(0, pos));
    if (scheme != "http" && scheme != "https") {
      return usage(url, "unsupported scheme \"" + scheme + "\" (use http:// or https://)");
    }
    out.tls = scheme == "https";
    out.port = out.tls ? 443 : 80;
    rest.remove_prefix(pos + 3);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return usage(url, "a query or fragment is not allowed");
  }

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return usage(url, "credentials in the URL are not supported (use a token)");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return usage(url, "unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return usage(url, "unexpected text after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return usage(url, "empty port");
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return usage(url, "empty port");
      if (port_text.find(':') != std::string_view::npos) {
        return usage(url, "an IPv6 address must be in brackets");
      }
    }
  }
  if (out.host.empty()) return usage(url, "no host");

  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return usage(url, "port must be a number between 1 and 65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

std::string encode_path_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace throome::client
