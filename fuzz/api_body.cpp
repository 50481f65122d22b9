// The body of a call to the reporting API (web::read_api_body, Boost.JSON) and its rows through
// reports::Planner over a small fixed state (fakes.hpp), as Service::api does. Invariants: fakes.hpp
// check_plan.
#include <boost/json/monotonic_resource.hpp>

#include <cstdint>
#include <string>
#include <variant>

#include "fakes.hpp"
#include "web/reports_api.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    boost::json::monotonic_resource arena;
    auto read = web::read_api_body(std::string_view(reinterpret_cast<const char*>(data), size), &arena);
    const auto* body = std::get_if<web::ApiBody>(&read);
    if (!body) return 0;
    fuzz::MemorySource source;
    fuzz::PlainIdentities ids;
    reports::Planner planner(source, ids, fuzz::day("2026-11-29"));
    planner.reserve(body->size());
    for (std::size_t i = 0; i < body->size(); ++i) planner.add(static_cast<int>(i + 1), body->row(i));
    fuzz::check_plan(planner.plan(), body->size());
    return 0;
}
