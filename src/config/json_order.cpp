#include "config/json_order.hpp"

namespace throome::config::detail {
namespace {

template <class To, class From>
To convert(const From& value) {
  if (value.is_object()) {
    To object = To::object();
    for (const auto& [key, item] : value.items()) object[key] = convert<To>(item);
    return object;
  }
  if (value.is_array()) {
    To array = To::array();
    for (const auto& item : value) array.push_back(convert<To>(item));
    return array;
  }
  switch (value.type()) {
    case From::value_t::boolean:
      return To(value.template get<bool>());
    case From::value_t::number_integer:
      return To(value.template get<std::int64_t>());
    case From::value_t::number_unsigned:
      return To(value.template get<std::uint64_t>());
    case From::value_t::number_float:
      return To(value.template get<double>());
    case From::value_t::string:
      return To(value.template get_ref<const std::string&>());
    case From::value_t::binary:
      return To::binary(value.get_binary());
    default:
      return To(nullptr);
  }
}

}  // namespace

nlohmann::ordered_json to_ordered(const nlohmann::json& value) {
  return convert<nlohmann::ordered_json>(value);
}

nlohmann::json to_unordered(const nlohmann::ordered_json& value) {
  return convert<nlohmann::json>(value);
}

}  // namespace throome::config::detail
