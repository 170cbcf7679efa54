#pragma once

#include <string>

#include "config/document_checker.hpp"
#include "throome/config/cluster_config.hpp"

namespace throome::config::detail {

/// Validates the service document `value` found at `path` (services.<name>) into `out`,
/// recording every problem and ignored key in `checker`.
void parse_service(DocumentChecker& checker, const Doc& value, const std::string& path,
                   ServiceConfig& out);

}  // namespace throome::config::detail
