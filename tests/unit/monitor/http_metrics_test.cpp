// monitor::HttpMetrics: one count per response under the route template, never the raw path.
#include "throome/monitor/http_metrics.hpp"

#include <gtest/gtest.h>

#include "support/prometheus_text.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::monitor {
namespace {

using throome::testing::parse_prometheus_text;
using throome::testing::sample;

http::Request request(std::string method, std::string path, std::string route,
                      std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.route = std::move(route);
  r.body = std::move(body);
  return r;
}

http::Response response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(HttpMetrics, CountsByMethodRouteTemplateAndCode) {
  Metrics m;
  HttpMetrics http(m);
  const std::string route = "/api/v1/clusters/{id}/cache/get";
  for (int i = 0; i < 3; ++i) {
    http.on_response(request("POST", "/api/v1/clusters/shop/cache/get", route, "{\"key\":\"a\"}"),
                     response(200, "0123456789"), std::chrono::microseconds(300));
  }
  http.on_response(request("POST", "/api/v1/clusters/other/cache/get", route, "{}"),
                   response(404, "1234"), std::chrono::milliseconds(2));

  const auto s = parse_prometheus_text(m.scrape());
  EXPECT_EQ(sample(s, "throome_http_requests_total",
                   {{"method", "POST"}, {"route", route}, {"code", "200"}}),
            3);
  EXPECT_EQ(sample(s, "throome_http_requests_total",
                   {{"method", "POST"}, {"route", route}, {"code", "404"}}),
            1);
  EXPECT_EQ(sample(s, "throome_http_request_duration_seconds_count",
                   {{"method", "POST"}, {"route", route}}),
            4);
  EXPECT_NEAR(sample(s, "throome_http_request_duration_seconds_sum",
                     {{"method", "POST"}, {"route", route}}),
              0.0029, 1e-9);
  EXPECT_EQ(sample(s, "throome_http_request_duration_seconds_bucket",
                   {{"method", "POST"}, {"route", route}, {"le", "0.00025"}}),
            0);
  EXPECT_EQ(sample(s, "throome_http_request_duration_seconds_bucket",
                   {{"method", "POST"}, {"route", route}, {"le", "0.0005"}}),
            3);
  EXPECT_EQ(sample(s, "throome_http_request_bytes_total", {{"method", "POST"}, {"route", route}}),
            3 * 11 + 2);
  EXPECT_EQ(sample(s, "throome_http_response_bytes_total", {{"method", "POST"}, {"route", route}}),
            3 * 10 + 4);
}

TEST(HttpMetrics, NoRawPathOrUnknownMethodBecomesALabel) {
  Metrics m;
  HttpMetrics http(m);
  http.on_response(request("GET", "/no/such/user:secret-key", ""), response(404, "x"),
                   std::chrono::microseconds(10));
  http.on_response(request("BREW", "/api/v1/clusters", "/api/v1/clusters"), response(405, ""),
                   std::chrono::microseconds(10));
  const std::string text = m.scrape();
  EXPECT_EQ(text.find("secret-key"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  const auto s = parse_prometheus_text(text);
  EXPECT_EQ(sample(s, "throome_http_requests_total",
                   {{"method", "GET"}, {"route", "unmatched"}, {"code", "404"}}),
            1);
  EXPECT_EQ(sample(s, "throome_http_requests_total",
                   {{"method", "other"}, {"route", "/api/v1/clusters"}, {"code", "405"}}),
            1);
}

TEST(HttpMetrics, Labels) {
  EXPECT_EQ(HttpMetrics::method_label("DELETE"), "DELETE");
  EXPECT_EQ(HttpMetrics::method_label("get"), "other");
  EXPECT_EQ(HttpMetrics::route_label(""), "unmatched");
  EXPECT_EQ(HttpMetrics::route_label("/readyz"), "/readyz");
}

}  // namespace
}  // namespace throome::monitor
