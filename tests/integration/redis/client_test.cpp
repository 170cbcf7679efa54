// The hiredis-on-Asio client against a real redis-server.
#include "throome/adapters/redis/client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "support/async.hpp"
#include "support/servers.hpp"

namespace throome::redis {
namespace {

namespace asio = boost::asio;
using testing::IoThreads;
using testing::RedisServer;

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class RedisClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  ClientOptions options() const {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.connections = 2;
    o.command_timeout = std::chrono::milliseconds(2'000);
    o.connect_timeout = std::chrono::milliseconds(2'000);
    o.name = "test";
    return o;
  }

  Result<Reply> exec(Client& c, std::vector<std::string> argv) {
    return io.run(c.execute(std::move(argv)));
  }

  // Awaits (with a deadline) until the client answers PING: connections are made in the
  // background.
  bool await_ready(Client& c, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = exec(c, {"PING"});
      if (r && r->str == "PONG") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static RedisServer* server_;
  IoThreads io{2};
};
RedisServer* RedisClientTest::server_ = nullptr;

TEST_F(RedisClientTest, MapsEveryReplyType) {
  auto c = make_client(io.context(), options());
  ASSERT_TRUE(await_ready(*c));
  EXPECT_EQ(exec(*c, {"SET", "t:str", "v"})->type, Reply::Type::status);
  auto s = exec(*c, {"GET", "t:str"});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, Reply::make_string("v"));
  EXPECT_TRUE(exec(*c, {"GET", "t:missing"})->is_nil());
  EXPECT_EQ(*exec(*c, {"INCRBY", "t:n", "41"}), Reply::make_integer(41));
  exec(*c, {"DEL", "t:l"});
  exec(*c, {"RPUSH", "t:l", "a", "b"});
  EXPECT_EQ(*exec(*c, {"LRANGE", "t:l", "0", "-1"}),
            Reply::make_array({Reply::make_string("a"), Reply::make_string("b")}));
  auto err = exec(*c, {"INCR", "t:str"});
  ASSERT_TRUE(err) << "a Redis error is a reply, not a transport failure";
  EXPECT_TRUE(err->is_error());
  EXPECT_EQ(err->str, "ERR value is not an integer or out of range");
}

TEST_F(RedisClientTest, ValuesAreBinarySafe) {
  auto c = make_client(io.context(), options());
  ASSERT_TRUE(await_ready(*c));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  ASSERT_TRUE(exec(*c, {"SET", std::string("t:bin\0key", 9), all}));
  auto r = exec(*c, {"GET", std::string("t:bin\0key", 9)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str, all);
  ASSERT_TRUE(exec(*c, {"SET", "t:bin", all}));
  EXPECT_EQ(server_->cli({"STRLEN", "t:bin"}), "256");  // an independent client agrees
}

struct CrossWireStats {
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_error;
};

// A coroutine function (not a capturing lambda): its parameters live in the frame.
asio::awaitable<void> cross_wire_worker(Client* c, int w, int ops, CrossWireStats* stats) {
  for (int i = 0; i < ops; ++i) {
    const std::string key = "cw:" + std::to_string(w) + ":" + std::to_string(i % 16);
    const std::string value = std::to_string(w) + "/" + std::to_string(i);
    std::vector<std::string> set{"SET", key, value};
    auto op1 = c->execute(std::move(set));
    auto s = co_await std::move(op1);
    std::vector<std::string> get{"GET", key};
    auto op2 = c->execute(std::move(get));
    auto g = co_await std::move(op2);
    if (!s || !g) {
      if (++stats->failures == 1) {
        const Error e = !s ? s.error() : g.error();
        std::lock_guard lock(stats->mu);
        stats->first_error = e.message() + " " + e.details().dump();
      }
    } else if (g->str != value) {
      ++stats->mismatches;
    }
  }
}

TEST_F(RedisClientTest, ConcurrentPipelinedRequestsNeverCrossWires) {
  auto c = make_client(io.context(), options());
  ASSERT_TRUE(await_ready(*c));
  constexpr int kClients = 64;
  constexpr int kOps = 2'000;
  CrossWireStats stats;
  std::vector<std::future<void>> done;
  for (int w = 0; w < kClients; ++w) {
    done.push_back(asio::co_spawn(io.context(), cross_wire_worker(c.get(), w, kOps, &stats),
                                  asio::use_future));
  }
  for (auto& f : done) f.get();
  EXPECT_EQ(stats.failures.load(), 0) << stats.first_error;
  EXPECT_EQ(stats.mismatches.load(), 0);
}

TEST_F(RedisClientTest, ExecuteAllRunsAGroupBackToBack) {
  auto c = make_client(io.context(), options());
  ASSERT_TRUE(await_ready(*c));
  std::vector<std::vector<std::string>> group{
      {"MULTI"}, {"SET", "t:tx", "1"}, {"INCR", "t:tx"}, {"EXEC"}};
  auto r = io.run(c->execute_all(std::move(group)));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[1].str, "QUEUED");
  EXPECT_EQ((*r)[3], Reply::make_array({Reply::make_status("OK"), Reply::make_integer(2)}));
}

TEST_F(RedisClientTest, SelectsTheConfiguredDatabase) {
  auto o = options();
  o.db = 3;
  auto c = make_client(io.context(), o);
  ASSERT_TRUE(await_ready(*c));
  ASSERT_TRUE(exec(*c, {"SET", "t:db3", "here"}));
  EXPECT_EQ(server_->cli({"-n", "3", "GET", "t:db3"}), "here");
  EXPECT_EQ(server_->cli({"-n", "0", "EXISTS", "t:db3"}), "0");
}

TEST_F(RedisClientTest, AuthenticatesAndReportsAWrongPasswordWithoutLeakingIt) {
  RedisServer secured({.password = "s3cret-pass", .extra = {}});
  auto o = options();
  o.port = secured.port();
  o.password = "s3cret-pass";
  auto good = make_client(io.context(), o);
  ASSERT_TRUE(await_ready(*good));
  ASSERT_TRUE(exec(*good, {"SET", "t:auth", "ok"}));
  EXPECT_EQ(secured.cli({"GET", "t:auth"}), "ok");

  o.password = "wrong-password-xyz";
  auto bad = make_client(io.context(), o);
  Result<Reply> r = Error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {  // await the first connect attempt's verdict
    r = exec(*bad, {"PING"});
  } while (!r && r.error().details().dump().find("AUTH") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable);
  const auto text = r.error().message() + r.error().details().dump();
  EXPECT_NE(text.find("AUTH"), std::string::npos) << text;
  EXPECT_EQ(text.find("wrong-password-xyz"), std::string::npos) << text;
}

TEST_F(RedisClientTest, UnreachableBackendFailsFastWith503) {
  auto o = options();
  o.port = testing::free_loopback_port();  // nothing listens there
  auto c = make_client(io.context(), o);
  const auto start = std::chrono::steady_clock::now();
  auto r = exec(*c, {"GET", "x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::backend_unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(RedisClientTest, SlowServerTimesOutThenRecovers) {
  auto o = options();
  o.command_timeout = std::chrono::milliseconds(300);
  o.connections = 1;
  auto c = make_client(io.context(), o);
  ASSERT_TRUE(await_ready(*c));
  // Another client pauses the server: our command gets no reply in time.
  server_->cli({"CLIENT", "PAUSE", "1500", "ALL"});
  auto r = exec(*c, {"GET", "t:slow"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::timeout);
  EXPECT_TRUE(await_ready(*c, std::chrono::seconds(10)));
}

TEST_F(RedisClientTest, SurvivesServerRestartWithoutLeakingDescriptors) {
  RedisServer own;
  auto o = options();
  o.port = own.port();
  {
    // The io_context creates its reactor (epoll, eventfd, timerfd) on first use: let a first
    // client do that before taking the baseline.
    auto warm = make_client(io.context(), o);
    ASSERT_TRUE(await_ready(*warm));
  }
  const auto settle = [] {
    std::size_t last = open_fds();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::size_t now = open_fds();
      if (now == last) break;
      last = now;
    }
    return last;
  };
  const auto fds_before = settle();
  {
    auto c = make_client(io.context(), o);
    ASSERT_TRUE(await_ready(*c));
    ASSERT_TRUE(exec(*c, {"SET", "k", "v"}));
    own.stop();
    auto down = exec(*c, {"GET", "k"});
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code(), Errc::backend_unavailable);
    own.start();
    ASSERT_TRUE(await_ready(*c)) << "reconnects after the server is back";
    auto up = exec(*c, {"SET", "k", "v2"});
    ASSERT_TRUE(up);
  }
  // The client's close runs on the IO threads; await the descriptors going away.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (open_fds() > fds_before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(open_fds(), fds_before) << [] {
    std::string out;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      out += e.path().filename().string() + " -> " +
             std::filesystem::read_symlink(e.path(), ec).string() + "\n";
    }
    return out;
  }();
}

}  // namespace
}  // namespace throome::redis
