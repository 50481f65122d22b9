// The body of a call to the reporting API (docs/API.md): a JSON object with "reports", an array of
// objects whose members are a report's fields by their Swedish or English names, and "mode"
// ("validate", "all" or "good"). Read here, apart from the handler, so that it can be fuzzed.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>

#include "core/reports_plan.hpp"
#include "core/reports_service.hpp"

namespace mina::web {

enum class ApiBodyProblem {
    bad_json,  // not JSON, not an object, or no "reports" array
    bad_mode,  // "mode" other than validate, all or good
};

struct ApiBody {
    boost::json::value doc;  // the whole body (in the caller's storage): an object with a "reports" array
    std::optional<reports::SaveMode> mode;  // nothing: validate only

    [[nodiscard]] const boost::json::array& reports() const { return doc.get_object().at("reports").get_array(); }
    [[nodiscard]] std::size_t size() const { return reports().size(); }
    /// The report at `i` (from 0): its members by name; numbers and booleans as text; other members and
    /// other types left out (an element that is not an object is a report with no fields).
    [[nodiscard]] reports::Fields row(std::size_t i) const;
};

/// Reads `body` into `storage` (the handler's arena: a 100 000-row call is a million small values).
[[nodiscard]] std::variant<ApiBody, ApiBodyProblem> read_api_body(std::string_view body, boost::json::storage_ptr storage);

}  // namespace mina::web
