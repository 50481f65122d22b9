// The body of a call to the reporting API (docs/API.md): a JSON object with "reports", an array of
// objects whose members are a report's fields by their Swedish or English names, and "mode"
// ("validate", "all" or "good"). Read here, apart from the handler, so that it can be fuzzed.
#pragma once

#include <boost/json/storage_ptr.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/reports/plan.hpp"
#include "core/reports/service.hpp"

namespace mina::web {

enum class ApiBodyProblem {
    bad_json,  // not JSON, not an object, or no "reports" array
    bad_mode,  // "mode" other than validate, all or good
};

/// The call's reports, each packed as its fields' lengths and bytes (about 130 bytes a row instead of
/// some 350 as parsed JSON values), so that a call of 100,000 rows does not hold its JSON beside its plan.
struct ApiBody {
    std::vector<std::string> packed;        // one report a string
    std::optional<reports::SaveMode> mode;  // nothing: validate only

    [[nodiscard]] std::size_t size() const { return packed.size(); }
    /// The report at `i` (from 0): its members by name; numbers and booleans as text; other members and
    /// other types left out (an element that is not an object is a report with no fields).
    [[nodiscard]] reports::Fields row(std::size_t i) const;
    /// The same, and the packed row let go (after the last, every row: size() is then 0): for a reader
    /// that asks for each row once, in order.
    [[nodiscard]] reports::Fields take(std::size_t i);
};

/// Reads `body`, parsed into `storage` (the handler's arena: a 100 000-row call is a million small
/// values, which the caller may let go as soon as this returns: the rows are packed apart from them).
[[nodiscard]] std::variant<ApiBody, ApiBodyProblem> read_api_body(std::string_view body,
                                                                  boost::json::storage_ptr storage);

/// The answer to a call (docs/API.md): the submission, its state and counts, then "results", each
/// row's fate in order, with its report's id when saved and its errors when refused. `word` gives an
/// error code's words in the caller's language. Boost.JSON writes it one row at a time, so that the
/// answer to 100,000 rows never stands as one tree of values.
[[nodiscard]] std::string api_answer_json(const reports::Plan& plan, std::int64_t submission, SubmissionState state,
                                          int saved, const std::function<std::string(const std::string& code)>& word);

}  // namespace mina::web
