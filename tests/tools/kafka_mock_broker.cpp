// A development Kafka broker for tests and benchmarks: librdkafka's mock cluster (a real
// Kafka-protocol broker on loopback TCP) in its own process. Prints its bootstrap address on
// the first line of stdout and stays up until killed. Commands on stdin, one per line, each
// answered with one line ("ok" or "error: ..."):
//   down <broker-id>                      take a broker down (connections refused, data kept)
//   up <broker-id>                        bring it back
//   create <topic> <partitions> [<rf>]    create a topic through the mock cluster's API
// End of stdin does not stop it (a benchmark runs it with stdin on /dev/null).
//
// Usage: kafka_mock_broker [--brokers N]
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "throome/adapters/kafka/dev_broker.hpp"

int main(int argc, char** argv) {
  int brokers = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else {
      std::cerr << "usage: kafka_mock_broker [--brokers N]\n";
      return 2;
    }
  }
  std::shared_ptr<throome::kafka::DevBroker> broker;
  try {
    broker = throome::kafka::DevBroker::start(brokers);
  } catch (const std::exception& e) {
    std::cerr << "kafka_mock_broker: " << e.what() << "\n";
    return 1;
  }
  std::cout << broker->bootstrap() << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    throome::Result<void> r;
    if (cmd == "down" || cmd == "up") {
      int id = 0;
      in >> id;
      r = cmd == "down" ? broker->set_broker_down(id) : broker->set_broker_up(id);
    } else if (cmd == "create") {
      std::string topic;
      int partitions = 0, rf = 1;
      in >> topic >> partitions;
      if (!(in >> rf)) rf = 1;
      r = broker->create_topic(topic, partitions, rf);
    } else if (cmd.empty()) {
      continue;
    } else {
      r = throome::Error(throome::Errc::bad_request, "unknown command " + cmd);
    }
    if (r) {
      std::cout << "ok" << std::endl;
    } else {
      std::cout << "error: " << r.error().message() << std::endl;
    }
  }
  // stdin closed: keep serving until killed.
  while (true) ::pause();
}
