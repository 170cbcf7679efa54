#include "throome/http/dispatcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <optional>
#include <stdexcept>

namespace throome::http {
namespace {

class RecordingObserver : public RequestObserver {
 public:
  void on_response(const Request& req, const Response& resp, std::chrono::nanoseconds) override {
    seen.emplace_back(req.route, resp.status);
  }
  std::vector<std::pair<std::string, int>> seen;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    RouteTable routes;
    routes.add("GET", "/items/{id}", Access::open,
               [](Request& req) -> boost::asio::awaitable<Response> {
                 co_return Response::json(200, {{"id", req.param("id")}, {"rid", req.request_id}});
               });
    routes.add(
        "DELETE", "/items/{id}", Access::open,
        [](Request&) -> boost::asio::awaitable<Response> { co_return Response::no_content(); });
    routes.add("GET", "/boom", Access::open, [](Request&) -> boost::asio::awaitable<Response> {
      throw std::runtime_error("secret internals");
      co_return Response::no_content();
    });
    observer = std::make_shared<RecordingObserver>();
    CorsPolicy cors;
    cors.allowed_origins = {"https://app.example"};
    dispatcher = std::make_unique<Dispatcher>(
        std::move(routes), cors, std::vector<std::shared_ptr<RequestObserver>>{observer});
  }

  Response run(Request req) {
    boost::asio::io_context ioc;
    auto fut =
        boost::asio::co_spawn(ioc, dispatcher->dispatch(std::move(req)), boost::asio::use_future);
    ioc.run();
    return fut.get();
  }

  static Request make(std::string method, std::string path) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    return r;
  }

  std::shared_ptr<RecordingObserver> observer;
  std::unique_ptr<Dispatcher> dispatcher;
};

TEST_F(DispatcherTest, RoutesToHandlerWithParamsAndGeneratedRequestId) {
  auto resp = run(make("GET", "/items/42"));
  EXPECT_EQ(resp.status, 200);
  auto body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["id"], "42");
  const std::string rid = body["rid"];
  EXPECT_EQ(rid.size(), 16u);
  EXPECT_EQ(resp.headers.get("X-Request-ID").value(), rid);
  ASSERT_EQ(observer->seen.size(), 1u);
  EXPECT_EQ(observer->seen[0], (std::pair<std::string, int>{"/items/{id}", 200}));
}

TEST_F(DispatcherTest, HonoursIncomingRequestIdAndRejectsUnsafeOnes) {
  auto req = make("GET", "/items/1");
  req.headers.add("X-Request-ID", "abc-123");
  EXPECT_EQ(run(req).headers.get("X-Request-ID").value(), "abc-123");

  auto bad = make("GET", "/items/1");
  bad.headers.add("X-Request-ID", "has space\r\nInjected: 1");
  auto id = std::string(run(bad).headers.get("X-Request-ID").value());
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find(' '), std::string::npos);
}

TEST_F(DispatcherTest, UnknownRouteIsJson404) {
  auto resp = run(make("GET", "/nope"));
  EXPECT_EQ(resp.status, 404);
  auto body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["code"], "not_found");
  EXPECT_EQ(body["error"], "no route for GET /nope");
  EXPECT_EQ(body["request_id"], std::string(resp.headers.get("X-Request-ID").value()));
  EXPECT_EQ(resp.headers.get("Content-Type").value(), "application/json");
}

TEST_F(DispatcherTest, WrongMethodIsJson405WithAllow) {
  auto resp = run(make("POST", "/items/1"));
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.headers.get("Allow").value(), "GET, DELETE, HEAD");
  EXPECT_EQ(nlohmann::json::parse(resp.body)["code"], "method_not_allowed");
}

TEST_F(DispatcherTest, HandlerExceptionBecomes500WithoutLeakingTheMessage) {
  auto resp = run(make("GET", "/boom"));
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.body.find("secret internals"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["code"], "internal");
}

TEST_F(DispatcherTest, CorsEchoesAllowedOriginOnly) {
  auto ok = make("GET", "/items/1");
  ok.headers.add("Origin", "https://app.example");
  auto resp = run(ok);
  EXPECT_EQ(resp.headers.get("Access-Control-Allow-Origin").value(), "https://app.example");
  EXPECT_EQ(resp.headers.get("Vary").value(), "Origin");

  auto other = make("GET", "/items/1");
  other.headers.add("Origin", "https://evil.example");
  EXPECT_FALSE(run(other).headers.get("Access-Control-Allow-Origin"));
}

TEST_F(DispatcherTest, PreflightAnswers204WithAllowedMethods) {
  auto req = make("OPTIONS", "/items/1");
  req.headers.add("Origin", "https://app.example");
  req.headers.add("Access-Control-Request-Method", "DELETE");
  auto resp = run(req);
  EXPECT_EQ(resp.status, 204);
  EXPECT_EQ(resp.headers.get("Allow").value(), "GET, DELETE, HEAD, OPTIONS");
  EXPECT_TRUE(resp.headers.get("Access-Control-Allow-Methods"));
  EXPECT_EQ(resp.headers.get("Access-Control-Max-Age").value(), "600");
}

TEST(ChooseRequestId, RejectsTooLongIds) {
  Request r;
  r.headers.add("X-Request-ID", std::string(129, 'a'));
  EXPECT_EQ(choose_request_id(r).size(), 16u);
  Request ok;
  ok.headers.add("X-Request-ID", std::string(128, 'a'));
  EXPECT_EQ(choose_request_id(ok), std::string(128, 'a'));
}

// A guard that answers from a script and records what it saw.
class ScriptedGuard : public Guard {
 public:
  struct Slot final : Pass::Slot {
    void release() noexcept override { ++released; }
    int released = 0;
  };
  Result<Pass> admit(Request& req, Access access) override {
    seen.push_back(access);
    req.principal = "tester";
    if (refusal) return *refusal;
    return Pass(slot);
  }
  std::optional<Error> refusal;
  std::vector<Access> seen;
  std::shared_ptr<Slot> slot = std::make_shared<Slot>();
};

class GuardedDispatcherTest : public ::testing::Test {
 protected:
  GuardedDispatcherTest() {
    RouteTable routes;
    routes.add("POST", "/c/{id}/write", Access::write,
               [this](Request& req) -> boost::asio::awaitable<Response> {
                 ++handled;
                 in_flight_during_handler = guard->slot->released == 0;
                 co_return Response::json(200, {{"principal", req.principal}});
               });
    dispatcher = std::make_unique<Dispatcher>(
        std::move(routes), CorsPolicy{}, std::vector<std::shared_ptr<RequestObserver>>{}, guard);
  }
  Response run(Request req) {
    boost::asio::io_context ioc;
    auto fut =
        boost::asio::co_spawn(ioc, dispatcher->dispatch(std::move(req)), boost::asio::use_future);
    ioc.run();
    return fut.get();
  }
  static Request make(std::string method, std::string path) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    return r;
  }

  std::shared_ptr<ScriptedGuard> guard = std::make_shared<ScriptedGuard>();
  std::unique_ptr<Dispatcher> dispatcher;
  int handled = 0;
  bool in_flight_during_handler = false;
};

TEST_F(GuardedDispatcherTest, AdmittedRequestsHoldTheirPassUntilTheHandlerIsDone) {
  auto resp = run(make("POST", "/c/shop/write"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["principal"], "tester");
  ASSERT_EQ(guard->seen.size(), 1u);
  EXPECT_EQ(guard->seen[0], Access::write);
  EXPECT_TRUE(in_flight_during_handler);
  EXPECT_EQ(guard->slot->released, 1);
}

TEST_F(GuardedDispatcherTest, RefusalsSkipTheHandlerAndCarryTheirHeaders) {
  guard->refusal = Error(Errc::unauthorized, "an API key is required");
  auto r401 = run(make("POST", "/c/shop/write"));
  EXPECT_EQ(r401.status, 401);
  EXPECT_EQ(r401.headers.get("WWW-Authenticate").value_or(""), "Bearer realm=\"throome\"");
  EXPECT_EQ(nlohmann::json::parse(r401.body)["code"], "unauthorized");
  EXPECT_FALSE(nlohmann::json::parse(r401.body)["request_id"].get<std::string>().empty());

  guard->refusal = Error(Errc::rate_limited, "slow down", {{"retry_after_seconds", 7}});
  auto r429 = run(make("POST", "/c/shop/write"));
  EXPECT_EQ(r429.status, 429);
  EXPECT_EQ(r429.headers.get("Retry-After").value_or(""), "7");

  guard->refusal = Error(Errc::forbidden, "no");
  auto r403 = run(make("POST", "/c/shop/write"));
  EXPECT_EQ(r403.status, 403);
  EXPECT_FALSE(r403.headers.get("WWW-Authenticate"));
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(guard->slot->released, 0);
}

TEST_F(GuardedDispatcherTest, UnroutedRequestsAreNotAskedAbout) {
  EXPECT_EQ(run(make("GET", "/nope")).status, 404);
  EXPECT_EQ(run(make("GET", "/c/shop/write")).status, 405);
  EXPECT_TRUE(guard->seen.empty());
}

}  // namespace
}  // namespace throome::http
