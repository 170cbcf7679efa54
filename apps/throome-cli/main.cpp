// throome-cli: manage a Throome daemon's clusters over its REST API.
// Flags are parsed here; every request goes through throome::client::Client and every
// output through throome/client/cli_format.hpp. Exit codes: throome/client/exit_code.hpp.

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
    return tc::Client::create(std::move(options));
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

std::string version_text() {
  return std::string("throome-cli ") + throome::kVersion + " (commit " + throome::kGitCommit + ")";
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"throome-cli: manage the clusters of a Throome gateway", "throome-cli"};
  app.require_subcommand(1, 1);
  app.fallthrough();  // global flags may also follow the command
  app.set_version_flag("--version", version_text(), "Print the version and exit");
  app.footer(
      "Environment:\n  THROOME_SERVER  default for --server\n"
      "  THROOME_TOKEN   default for --token\n\n" +
      tc::exit_codes_help() + "\n\nSee docs/cli.md for examples.");

  Context ctx;
  app.add_option("--server", ctx.server, "Daemon URL: http://host:port[/base-path]")
      ->envname("THROOME_SERVER")
      ->capture_default_str();
  app.add_option("--token", ctx.token, "Bearer token sent as Authorization")
      ->envname("THROOME_TOKEN");
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
  return fail(ExitCode::usage, "no command given (see throome-cli --help)");
} catch (const std::exception& e) {
  std::cerr << "throome-cli: internal error: " << tc::one_line(e.what()) << '\n';
  return 1;
}
