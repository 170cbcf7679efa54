// throome_quickstart: the Throome C++ SDK in one page.
//
//   throome_quickstart [SERVER_URL] [CLUSTER]     (defaults: http://127.0.0.1:9000 demo)
//
// The API key, if the gateway wants one, comes from $THROOME_TOKEN. The cluster needs a
// redis, a postgres and a kafka service (the demo cluster has all three).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "throome/client.hpp"

namespace {

int fail(const std::string& what, const throome::ClientError& error) {
  std::cerr << "quickstart: " << what << ": " << error.message();
  if (error.http_status() != 0) std::cerr << " (HTTP " << error.http_status() << ")";
  std::cerr << '\n';
  return 1;
}

// The coroutine flavour: the same views, awaited on an io_context.
boost::asio::awaitable<throome::ClientResult<std::optional<std::string>>> read_back(
    throome::AsyncClient client) {
  auto cache = client.cache();
  auto op = cache.get("quickstart:greeting");  // build the awaitable, then co_await it
  co_return co_await std::move(op);
}

}  // namespace

int main(int argc, char** argv) {
  throome::ClientOptions options;
  options.server_url = argc > 1 ? argv[1] : "http://127.0.0.1:9000";
  options.cluster = argc > 2 ? argv[2] : "demo";
  if (const char* token = std::getenv("THROOME_TOKEN")) options.token = token;
  // For an https:// gateway: options.tls.ca_file = "ca.pem"; (verification is on by default)

  auto client = throome::Client::create(options);
  if (!client) return fail("bad options", client.error());

  auto health = client->health();
  if (!health) return fail("health", health.error());
  std::cout << "health: " << health->value("status", "?") << '\n';

  // Cache: values are bytes; get() says whether the key exists.
  auto cache = client->cache();
  if (auto set = cache.set("quickstart:greeting", "hello from C++", {std::chrono::seconds(60)});
      !set) {
    return fail("cache set", set.error());
  }
  auto value = cache.get("quickstart:greeting");
  if (!value) return fail("cache get", value.error());
  std::cout << "cache: quickstart:greeting = " << value->value_or("<missing>") << '\n';

  // Database: $1.. placeholders, rows as JSON objects.
  auto rows = client->db().query("SELECT $1::int + 1 AS answer", nlohmann::json::array({41}));
  if (!rows) return fail("db query", rows.error());
  std::cout << "db: " << rows->row_count << " row: " << rows->rows[0].dump() << '\n';

  // Queue: where the message landed.
  throome::client::Message message;
  message.value = R"({"order": 1})";
  message.key = "customer-7";
  auto published = client->queue().publish("quickstart-orders", message);
  if (!published) return fail("queue publish", published.error());
  std::cout << "queue: published to quickstart-orders partition " << published->partition
            << " offset " << published->offset << '\n';

  // Errors are values: an unknown cluster is an http error with status 404.
  auto missing = client->cache("no-such-cluster").get("k");
  if (!missing) {
    std::cout << "error: " << missing.error().message() << " (HTTP "
              << missing.error().http_status() << ")\n";
  }

  // The async flavour.
  boost::asio::io_context ioc;
  auto async_client = throome::AsyncClient::create(ioc.get_executor(), options);
  if (!async_client) return fail("bad options", async_client.error());
  auto future = boost::asio::co_spawn(ioc, read_back(*async_client), boost::asio::use_future);
  ioc.run();
  auto again = future.get();
  if (!again) return fail("async cache get", again.error());
  std::cout << "async: quickstart:greeting = " << again->value_or("<missing>") << '\n';
  return 0;
}
