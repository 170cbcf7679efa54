#include "throome/api/api.hpp"

namespace throome::api {

Api::Api(cluster::Manager& manager, boost::asio::thread_pool& admin_pool,
         const std::atomic<bool>& ready)
    : health_(manager, ready), clusters_(manager, admin_pool), cache_(manager.registry()) {}

void Api::register_routes(http::RouteTable& routes) {
  health_.register_routes(routes);
  clusters_.register_routes(routes);
  cache_.register_routes(routes);
}

}  // namespace throome::api
