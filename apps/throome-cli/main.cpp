// throome-cli: manage a Throome daemon's clusters and call its cache, db and queue APIs.
// Flags are parsed here; every request goes through throome::client::Client (the SDK) and
// every output through throome/client/cli_format.hpp. Exit codes: throome/client/exit_code.hpp.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "throome/client/cli_format.hpp"
#include "throome/client/client.hpp"
#include "throome/client/exit_code.hpp"
#include "throome/client/service_spec.hpp"
#include "throome/config/cluster_codec.hpp"
#include "throome/version.hpp"

namespace {

namespace tc = throome::client;
using nlohmann::json;
using tc::ExitCode;
using tc::OutputFormat;

constexpr const char* kStdinName = "<stdin>";

/// Prints the one failure line and returns the exit code.
int fail(ExitCode code, const std::string& message) {
  std::cout.flush();
  std::cerr << "throome-cli: " << tc::one_line(message) << '\n';
  return tc::to_int(code);
}

int fail(const tc::ClientError& error) {
  return fail(tc::exit_code_for(error), tc::describe_error(error));
}

/// Reads FILE, or standard input for "-". @return the text, or the reason it failed.
struct FileText {
  std::string name;  // as shown in messages
  std::optional<std::string> text;
  std::string error;
};

FileText read_input(const std::string& path) {
  FileText out;
  out.name = path == "-" ? kStdinName : path;
  if (path == "-") {
    out.text = std::string(std::istreambuf_iterator<char>(std::cin), {});
    if (std::cin.bad()) {
      out.text.reset();
      out.error = "cannot read standard input";
    }
    return out;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    out.error = "cannot read " + path + ": is a directory";
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = "cannot read " + path + ": " + std::strerror(errno);
    return out;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    out.error = "cannot read " + path + ": read error";
    return out;
  }
  out.text = buffer.str();
  return out;
}

/// Everything the commands share: the parsed global flags and how to reach the daemon.
struct Context {
  std::string server = "http://127.0.0.1:9000";
  std::string token;
  std::string output = "table";
  double timeout_seconds = 10.0;
  std::string cluster;
  tc::TlsOptions tls;
  bool insecure = false;

  OutputFormat format() const {
    return tc::parse_output_format(output).value_or(OutputFormat::table);
  }

  tc::ClientResult<tc::Client> client() const {
    tc::ClientOptions options;
    options.server_url = server;
    options.token = token;
    options.timeout =
        std::chrono::milliseconds(std::max<long long>(1, std::llround(timeout_seconds * 1000)));
    options.user_agent = std::string("throome-cli/") + throome::kVersion;
    options.cluster = cluster;
    options.tls = tls;
    options.tls.verify = !insecure;
    return tc::Client::create(std::move(options));
  }

  /// A client for a data command, which needs a cluster.
  tc::ClientResult<tc::Client> data_client() const {
    if (cluster.empty()) {
      return tc::ClientError(tc::ClientError::Kind::usage,
                             "no cluster given: pass --cluster ID or set THROOME_CLUSTER");
    }
    return client();
  }

  /// Prints a successful result: `table` for OutputFormat::table, the document otherwise.
  int print(const json& document, const std::string& table) const {
    const auto f = format();
    std::cout << (f == OutputFormat::table ? table : tc::format_document(document, f));
    std::cout.flush();
    return tc::to_int(ExitCode::ok);
  }
};

void print_warnings(const json& response) {
  if (!response.is_object()) return;
  auto it = response.find("warnings");
  if (it == response.end() || !it->is_array()) return;
  for (const auto& w : *it) std::cerr << "warning: " << tc::format_issue(w) << '\n';
}

int run_health(const Context& ctx) {
  auto client = ctx.client();
  if (!client) return fail(client.error());
  auto health = client->health();
  if (!health) return fail(health.error());
  return ctx.print(*health, tc::format_health(*health, client->server().to_string()));
}

int run_list(const Context& ctx) {
  auto client = ctx.client();
  if (!client) return fail(client.error());
  auto clusters = client->list_clusters();
  if (!clusters) return fail(clusters.error());
  return ctx.print(*clusters, tc::format_cluster_list(*clusters));
}

int run_get(const Context& ctx, const std::string& id) {
  auto client = ctx.client();
  if (!client) return fail(client.error());
  auto cluster = client->get_cluster(id);
  if (!cluster) return fail(cluster.error());
  return ctx.print(*cluster, tc::format_cluster(*cluster));
}

struct CreateArgs {
  std::string file;
  std::string name;
  std::string id;
  std::vector<std::string> services;
};

int run_create(const Context& ctx, const CreateArgs& args) {
  std::optional<std::string> yaml;
  json body;
  if (!args.file.empty()) {
    auto input = read_input(args.file);
    if (!input.text) return fail(ExitCode::bad_file, input.error);
    if (input.text->find_first_not_of(" \t\r\n") == std::string::npos) {
      return fail(ExitCode::bad_file, input.name + " is empty");
    }
    yaml = std::move(input.text);
  } else {
    if (args.name.empty() || args.services.empty()) {
      return fail(ExitCode::usage,
                  "create-cluster needs --name and at least one --service, or -f FILE");
    }
    std::vector<tc::ServiceSpec> specs;
    for (const auto& text : args.services) {
      auto spec = tc::parse_service_spec(text);
      if (!spec) return fail(spec.error());
      specs.push_back(std::move(*spec));
    }
    std::optional<std::string> id;
    if (!args.id.empty()) id = args.id;
    auto made = tc::make_create_body(args.name, std::move(id), specs);
    if (!made) return fail(made.error());
    body = std::move(*made);
  }

  auto client = ctx.client();
  if (!client) return fail(client.error());
  auto created = yaml ? client->create_cluster_yaml(*yaml) : client->create_cluster(body);
  if (!created) return fail(created.error());
  if (ctx.format() == OutputFormat::table) print_warnings(*created);
  return ctx.print(*created, tc::format_created(*created));
}

/// Asks on stderr, reads one line of stdin. @return true for y/yes (any case).
bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  const bool got = static_cast<bool>(std::getline(std::cin, answer));
  if (!::isatty(STDIN_FILENO)) std::cerr << '\n';  // a typed answer ends the line itself
  if (!got) return false;
  const auto begin = answer.find_first_not_of(" \t\r");
  const auto end = answer.find_last_not_of(" \t\r");
  if (begin == std::string::npos) return false;
  std::string word = answer.substr(begin, end - begin + 1);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return word == "y" || word == "yes";
}

int run_delete(const Context& ctx, const std::string& id, bool yes) {
  auto client = ctx.client();
  if (!client) return fail(client.error());
  if (!yes) {
    // Do not ask about a cluster that does not exist (or a daemon that is down).
    if (auto existing = client->get_cluster(id); !existing) {
      return fail(existing.error());
    }
    if (!confirm("Delete cluster " + id + "?")) {
      return fail(ExitCode::aborted, "aborted: cluster \"" + id + "\" was not deleted");
    }
  }
  auto deleted = client->delete_cluster(id);
  if (!deleted) return fail(deleted.error());
  return ctx.print(*deleted, tc::format_deleted(*deleted, id));
}

int run_validate(const Context& ctx, const std::string& path) {
  auto input = read_input(path);
  if (!input.text) return fail(ExitCode::bad_file, input.error);
  auto parsed = throome::config::parse_cluster_yaml(*input.text);
  if (!parsed) {
    const auto& error = parsed.error();
    std::size_t issues = 0;
    if (error.details().is_array() && !error.details().empty()) {
      for (const auto& issue : error.details()) {
        std::cerr << input.name << ": " << tc::format_issue(issue) << '\n';
        ++issues;
      }
    } else {
      std::cerr << input.name << ": " << tc::one_line(error.message()) << '\n';
      issues = 1;
    }
    return fail(ExitCode::bad_file, input.name + " is not a valid cluster config (" +
                                        std::to_string(issues) +
                                        (issues == 1 ? " issue)" : " issues)"));
  }

  json warnings = json::array();
  std::string table = input.name + ": valid\n";
  for (const auto& w : parsed->warnings) {
    warnings.push_back({{"path", w.path}, {"message", w.message}});
    table += input.name + ": warning: " + w.to_string() + "\n";
  }
  json document = {{"file", input.name},
                   {"valid", true},
                   {"cluster_id", parsed->config.cluster_id},
                   {"name", parsed->config.name},
                   {"warnings", std::move(warnings)}};
  return ctx.print(document, table);
}

// ---- data commands (cache, db, queue) ----------------------------------------------------

/// VALUE as given, or standard input (bytes as is) for "-".
std::optional<std::string> value_argument(const std::string& value, std::string& error) {
  if (value != "-") return value;
  auto input = read_input("-");
  if (!input.text) {
    error = input.error;
    return std::nullopt;
  }
  return input.text;
}

int run_cache_get(const Context& ctx, const std::string& key) {
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  auto value = client->cache().get(key);
  if (!value) return fail(value.error());
  if (!*value) {
    return fail(ExitCode::client_error,
                "key \"" + key + "\" not found in cluster \"" + ctx.cluster + "\"");
  }
  if (ctx.format() == OutputFormat::table) {
    // The value's bytes as stored, then a newline (like redis-cli --raw).
    std::cout.write((*value)->data(), static_cast<std::streamsize>((*value)->size()));
    std::cout << '\n' << std::flush;
    return tc::to_int(ExitCode::ok);
  }
  json document = {{"key", key}, {"found", true}, {"value", tc::bytes_json(**value)}};
  return ctx.print(document, "");
}

struct CacheSetArgs {
  std::string key;
  std::string value;
  long long ttl = 0;
  bool nx = false;
  bool xx = false;
};

int run_cache_set(const Context& ctx, const CacheSetArgs& args) {
  std::string error;
  auto value = value_argument(args.value, error);
  if (!value) return fail(ExitCode::bad_file, error);
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  tc::SetOptions options;
  options.ttl = std::chrono::seconds(args.ttl);
  options.if_absent = args.nx;
  options.if_present = args.xx;
  auto set = client->cache().set(args.key, *value, options);
  if (!set) return fail(set.error());
  json document = {{"key", args.key}, {"set", *set}};
  std::string table = *set ? "OK\n"
                           : std::string("not set: key \"") + args.key + "\" " +
                                 (args.nx ? "already exists" : "does not exist") + "\n";
  return ctx.print(document, table);
}

int run_cache_del(const Context& ctx, const std::vector<std::string>& keys) {
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  auto deleted = client->cache().del(keys);
  if (!deleted) return fail(deleted.error());
  json document = {{"deleted", *deleted}};
  return ctx.print(document,
                   "deleted " + std::to_string(*deleted) + (*deleted == 1 ? " key\n" : " keys\n"));
}

struct DbArgs {
  std::string sql;
  std::vector<std::string> args;
};

json sql_args(const DbArgs& a) {
  json args = json::array();
  for (const auto& v : a.args) args.push_back(v);
  return args;
}

int run_db_query(const Context& ctx, const DbArgs& a) {
  std::string error;
  auto sql = value_argument(a.sql, error);
  if (!sql) return fail(ExitCode::bad_file, error);
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  auto result = client->db().query(*sql, sql_args(a));
  if (!result) return fail(result.error());
  return ctx.print(tc::query_json(*result), tc::format_query(*result));
}

int run_db_exec(const Context& ctx, const DbArgs& a) {
  std::string error;
  auto sql = value_argument(a.sql, error);
  if (!sql) return fail(ExitCode::bad_file, error);
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  auto result = client->db().execute(*sql, sql_args(a));
  if (!result) return fail(result.error());
  json document = {{"command", result->command}, {"rows_affected", result->rows_affected}};
  return ctx.print(document, (result->command.empty() ? "OK" : result->command) + " " +
                                 std::to_string(result->rows_affected) + "\n");
}

struct PublishArgs {
  std::string topic;
  std::string message;
  std::string key;
  bool has_key = false;
  int partition = -1;
  std::vector<std::string> headers;
};

int run_publish(const Context& ctx, const PublishArgs& a) {
  tc::Message message;
  for (const auto& h : a.headers) {
    const auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ExitCode::usage, "invalid header \"" + h + "\": expected name=value");
    }
    message.headers.push_back({h.substr(0, eq), h.substr(eq + 1)});
  }
  std::string error;
  auto value = value_argument(a.message, error);
  if (!value) return fail(ExitCode::bad_file, error);
  message.value = std::move(*value);
  if (a.has_key) message.key = a.key;
  if (a.partition >= 0) message.partition = a.partition;
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  auto published = client->queue().publish(a.topic, message);
  if (!published) return fail(published.error());
  json document = {{"topic", published->topic.empty() ? a.topic : published->topic},
                   {"partition", published->partition},
                   {"offset", published->offset}};
  if (published->timestamp_ms) document["timestamp"] = *published->timestamp_ms;
  return ctx.print(document, "published to " + document["topic"].get<std::string>() +
                                 " partition " + std::to_string(published->partition) + " offset " +
                                 std::to_string(published->offset) + "\n");
}

struct TailArgs {
  std::string topic;
  std::string from = "latest";
  long long count = 0;      // stop after this many records; 0: follow
  double idle_seconds = 0;  // stop when nothing arrives for this long; 0: follow
};

int run_tail(const Context& ctx, const TailArgs& a) {
  auto client = ctx.data_client();
  if (!client) return fail(client.error());
  const bool json_lines = ctx.format() != OutputFormat::table;
  using Clock = std::chrono::steady_clock;
  auto last_record = Clock::now();
  tc::ReadOptions options;
  options.from = a.from == "earliest" ? tc::StartFrom::earliest : tc::StartFrom::latest;
  options.max_records = 500;
  // Long-poll: the daemon holds each read open until records arrive or this passes; the
  // client's own deadline must be longer.
  options.wait = std::chrono::milliseconds(1000);
  if (a.idle_seconds > 0) {
    options.wait = std::min(options.wait, std::chrono::milliseconds(std::max<long long>(
                                              1, std::llround(a.idle_seconds * 1000))));
  }
  long long printed = 0;
  auto queue = client->queue();
  for (;;) {
    auto read = queue.read(a.topic, options);
    if (!read) return fail(read.error());
    for (const auto& record : read->records) {
      if (json_lines) {
        // One compact JSON document per line (NDJSON), flushed as it arrives.
        std::cout << tc::record_json(record).dump(-1, ' ', false, json::error_handler_t::replace)
                  << '\n';
      } else {
        std::cout << tc::format_record(record);
      }
      std::cout.flush();
      if (a.count > 0 && ++printed >= a.count) return tc::to_int(ExitCode::ok);
    }
    if (!read->records.empty()) last_record = Clock::now();
    if (a.idle_seconds > 0 &&
        Clock::now() - last_record >= std::chrono::duration<double>(a.idle_seconds)) {
      return tc::to_int(ExitCode::ok);
    }
    options.cursor = read->next_cursor;
  }
}

std::string version_text() {
  return std::string("throome-cli ") + throome::kVersion + " (commit " + throome::kGitCommit + ")";
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "throome-cli: manage the clusters of a Throome gateway and call its cache, db and queue "
      "APIs",
      "throome-cli"};
  app.require_subcommand(1, 1);
  app.fallthrough();  // global flags may also follow the command
  app.set_version_flag("--version", version_text(), "Print the version and exit");
  app.footer(
      "Environment:\n  THROOME_SERVER   default for --server\n"
      "  THROOME_TOKEN    default for --token (never printed)\n"
      "  THROOME_CLUSTER  default for --cluster\n\n" +
      tc::exit_codes_help() + "\n\nSee docs/cli.md for examples.");

  Context ctx;
  app.add_option("--server", ctx.server, "Daemon URL: http[s]://host:port[/base-path]")
      ->envname("THROOME_SERVER")
      ->capture_default_str();
  app.add_option("--token", ctx.token, "API key, sent as Authorization: Bearer on every request")
      ->envname("THROOME_TOKEN");
  app.add_option("-c,--cluster", ctx.cluster, "Cluster of the cache, db and queue commands")
      ->envname("THROOME_CLUSTER");
  app.add_option("--cacert", ctx.tls.ca_file, "https: PEM file of CA certificates to trust")
      ->check(CLI::ExistingFile);
  app.add_option("--client-cert", ctx.tls.cert_file, "https: PEM client certificate (mutual TLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--client-key", ctx.tls.key_file, "https: PEM private key of --client-cert")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure", ctx.insecure,
               "https: do not verify the server's certificate (development only)");
  app.add_option("-o,--output", ctx.output, "Output format: table, json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}))
      ->capture_default_str();
  app.add_option("--timeout", ctx.timeout_seconds, "Seconds to wait for each request")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            double seconds = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            const bool ok = ec == std::errc{} && end == value.data() + value.size() &&
                            std::isfinite(seconds) && seconds > 0 && seconds <= 86400;
            return ok ? std::string{} : "must be a number of seconds > 0 (got " + value + ")";
          },
          "SECONDS", "positive seconds"))
      ->capture_default_str();

  CreateArgs create_args;
  auto* create = app.add_subcommand(
      "create-cluster",
      "Create a cluster from flags (--name, --service ...) or from a YAML file (-f)");
  auto* file_opt = create->add_option("-f,--file", create_args.file,
                                      "Cluster YAML file to send as is; '-' reads stdin");
  auto* name_opt = create->add_option("--name", create_args.name, "Cluster name");
  auto* id_opt =
      create->add_option("--id", create_args.id, "Cluster id (generated by the daemon if absent)");
  auto* service_opt = create->add_option("--service", create_args.services,
                                         "A backend as name:type:host:port (repeatable), "
                                         "e.g. cache:redis:127.0.0.1:6379");
  service_opt->allow_extra_args(false);
  file_opt->excludes(name_opt)->excludes(id_opt)->excludes(service_opt);

  app.add_subcommand("list-clusters", "List clusters: ID NAME SERVICES CREATED");

  std::string get_id;
  auto* get = app.add_subcommand("get-cluster", "Show one cluster (secrets stay redacted)");
  get->add_option("ID", get_id, "Cluster id")->required();

  std::string delete_id;
  bool delete_yes = false;
  auto* del = app.add_subcommand("delete-cluster", "Delete a cluster after confirmation");
  del->add_option("ID", delete_id, "Cluster id")->required();
  del->add_flag("-y,--yes", delete_yes, "Do not ask for confirmation");

  std::string validate_file;
  auto* validate = app.add_subcommand(
      "validate-config", "Check a cluster YAML file locally (no daemon needed); '-' reads stdin");
  validate->add_option("FILE", validate_file, "Cluster YAML file")->required();

  auto* health = app.add_subcommand("health", "Check that the daemon is up (GET /health)");

  // cache get|set|del
  auto* cache = app.add_subcommand("cache", "Cache (Redis) of --cluster: get, set, del");
  cache->require_subcommand(1, 1);
  std::string cache_get_key;
  auto* cache_get = cache->add_subcommand("get", "Print a key's value (exit 4 when missing)");
  cache_get->add_option("KEY", cache_get_key, "Key")->required();
  CacheSetArgs set_args;
  auto* cache_set = cache->add_subcommand("set", "Store a value under a key");
  cache_set->add_option("KEY", set_args.key, "Key")->required();
  cache_set->add_option("VALUE", set_args.value, "Value; '-' reads stdin (bytes as is)")
      ->required();
  cache_set->add_option("--ttl", set_args.ttl, "Expire after SECONDS")
      ->check(CLI::Range(0LL, 10LL * 365 * 24 * 3600));
  auto* nx = cache_set->add_flag("--nx", set_args.nx, "Only if the key does not exist");
  auto* xx = cache_set->add_flag("--xx", set_args.xx, "Only if the key exists");
  nx->excludes(xx);
  std::vector<std::string> del_keys;
  auto* cache_del = cache->add_subcommand("del", "Delete keys; prints how many existed");
  cache_del->add_option("KEY", del_keys, "Keys")->required();

  // db query|exec
  auto* db = app.add_subcommand("db", "Database (PostgreSQL) of --cluster: query, exec");
  db->require_subcommand(1, 1);
  DbArgs db_args;
  auto* db_query = db->add_subcommand("query", "Run a query and print its rows as a table");
  db_query->add_option("SQL", db_args.sql, "SQL with $1.. placeholders; '-' reads stdin")
      ->required();
  db_query->add_option("-a,--arg", db_args.args, "Value of the next placeholder (repeatable)")
      ->allow_extra_args(false);
  auto* db_exec = db->add_subcommand("exec", "Run a statement; prints the rows affected");
  db_exec->add_option("SQL", db_args.sql, "SQL with $1.. placeholders; '-' reads stdin")
      ->required();
  db_exec->add_option("-a,--arg", db_args.args, "Value of the next placeholder (repeatable)")
      ->allow_extra_args(false);

  // queue publish|tail
  auto* queue = app.add_subcommand("queue", "Queue (Kafka) of --cluster: publish, tail");
  queue->require_subcommand(1, 1);
  PublishArgs publish_args;
  auto* publish = queue->add_subcommand("publish", "Publish one message to a topic");
  publish->add_option("TOPIC", publish_args.topic, "Topic")->required();
  publish->add_option("MESSAGE", publish_args.message, "Message; '-' reads stdin (bytes as is)")
      ->required();
  auto* key_opt = publish->add_option("-k,--key", publish_args.key, "Message key");
  publish->add_option("-p,--partition", publish_args.partition, "Partition (default: by key)")
      ->check(CLI::Range(0, 2147483647));
  publish->add_option("-H,--header", publish_args.headers, "Header name=value (repeatable)")
      ->allow_extra_args(false);
  TailArgs tail_args;
  auto* tail = queue->add_subcommand(
      "tail", "Follow a topic: print records as they arrive (-o json: one JSON per line)");
  tail->add_option("TOPIC", tail_args.topic, "Topic")->required();
  tail->add_option("--from", tail_args.from, "Start at the 'latest' or 'earliest' record")
      ->check(CLI::IsMember({"latest", "earliest"}))
      ->capture_default_str();
  tail->add_option("-n,--count", tail_args.count, "Exit after N records (default: follow)")
      ->check(CLI::Range(1LL, 1LL << 40));
  tail->add_option("--idle", tail_args.idle_seconds,
                   "Exit when no record arrived for SECONDS (default: follow)")
      ->check(CLI::Range(0.001, 86400.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return fail(ExitCode::usage, std::string(e.what()) + " (see throome-cli --help)");
  }

  if (*create) return run_create(ctx, create_args);
  if (app.got_subcommand("list-clusters")) return run_list(ctx);
  if (*get) return run_get(ctx, get_id);
  if (*del) return run_delete(ctx, delete_id, delete_yes);
  if (*validate) return run_validate(ctx, validate_file);
  if (*health) return run_health(ctx);
  if (*cache_get) return run_cache_get(ctx, cache_get_key);
  if (*cache_set) return run_cache_set(ctx, set_args);
  if (*cache_del) return run_cache_del(ctx, del_keys);
  if (*db_query) return run_db_query(ctx, db_args);
  if (*db_exec) return run_db_exec(ctx, db_args);
  if (*publish) {
    publish_args.has_key = key_opt->count() > 0;
    return run_publish(ctx, publish_args);
  }
  if (*tail) return run_tail(ctx, tail_args);
  return fail(ExitCode::usage, "no command given (see throome-cli --help)");
} catch (const std::exception& e) {
  std::cerr << "throome-cli: internal error: " << tc::one_line(e.what()) << '\n';
  return 1;
}
