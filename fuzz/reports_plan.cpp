// A school's file of Studeranderapportering as an upload judges it: reports::read_file (CSV, columns
// by their headings) and each row through reports::Planner over a small fixed state (fakes.hpp), as
// Service::preview does. Invariants: fakes.hpp check_plan.
#include <cstdint>
#include <string>
#include <variant>

#include "core/reports/service.hpp"
#include "fakes.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto read = reports::read_file(std::string_view(reinterpret_cast<const char*>(data), size));
    auto* rows = std::get_if<reports::FileRows>(&read);
    if (!rows) return 0;
    fuzz::MemorySource source;
    fuzz::PlainIdentities ids;
    reports::Planner planner(source, ids, fuzz::day("2026-11-29"));
    const std::size_t count = rows->size();
    planner.reserve(count);
    for (std::size_t i = 0; i < count; ++i) planner.add(rows->line(i), rows->take(i));
    fuzz::check_plan(planner.plan(), count);
    return 0;
}
