#pragma once

#include <nlohmann/json.hpp>

#include "throome/cluster/cluster.hpp"
#include "throome/config/cluster_config.hpp"

namespace throome::api {

/// `{"id","name","created_at","updated_at","services":[{name,type,host,port,username,database,
/// healthy}]}` — the list/create shape existing Throome clients read. No secrets.
nlohmann::json cluster_summary(const cluster::Cluster& c);

/// `{"id","name","description","created_at","updated_at","config":{"services":{...},
/// "routing","health","ai"}}` — the full configuration, secrets redacted.
nlohmann::json cluster_detail(const cluster::Cluster& c);

/// One service with its cluster id, secrets redacted.
nlohmann::json service_detail(const cluster::Cluster& c, const config::ServiceConfig& svc);

}  // namespace throome::api
