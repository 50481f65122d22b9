// The school's file of Studietider och utbildningar as an upload plans it (studietider::file::plan,
// after csv::to_utf8 as the service does), over a small fixed saved state. Invariants: a refused row
// says why; a plan has a fingerprint; the saved state's own download plans as all unchanged.
#include <cstdint>
#include <string>
#include <variant>

#include "core/common/csv.hpp"
#include "core/studietider/file.hpp"

using namespace mina;
using namespace mina::studietider;

namespace {

Date day(std::string_view text) { return parse_date(text).value(); }

/// A1 with a published period (and a break), B2 with a draft, C3 without periods, D4 withdrawn.
file::Current saved_state() {
    file::Current now;
    Education a;
    a.id = 7;
    a.school = SchoolCode{"S1"};
    a.code = "A1";
    a.name = "Ekonomi";
    a.total_credits = Credits{18000};
    now.educations.push_back(a);
    Education b = a;
    b.id = 8;
    b.code = "B2";
    b.name = "Svenska för invandrare";
    b.level = Level::grundskoleniva;
    b.unit = CreditUnit::none;
    b.total_credits.reset();
    b.distance = true;
    now.educations.push_back(b);
    Education c = a;
    c.id = 9;
    c.code = "C3";
    c.name = "Uppdrag";
    c.contract = true;
    now.educations.push_back(c);
    Education d = a;
    d.id = 10;
    d.code = "D4";
    d.withdrawn_at = from_unix(1'700'000'000);
    now.educations.push_back(d);

    StudyPeriod p;
    p.id = 70;
    p.education = 7;
    p.input = {"HT2026",      day("2026-08-31"), day("2027-01-17"),
               Credits{3000}, std::nullopt,      {DateRange{day("2026-12-21"), day("2027-01-06")}}};
    p.published_version = 1;
    p.changed = false;
    now.periods.push_back(p);
    StudyPeriod q;
    q.id = 71;
    q.education = 8;
    q.input = {"VT2027", day("2027-01-18"), day("2027-06-06"), std::nullopt, Pace::half, {}};
    now.periods.push_back(q);
    return now;
}

const file::Current& state() {
    static const file::Current now = [] {
        auto s = saved_state();
        const std::string text = file::write(s);
        auto plan = file::plan(csv::to_utf8(text), s, day("2026-09-01"));
        const auto* p = std::get_if<file::Plan>(&plan);
        if (!p || p->count(file::RowFate::unchanged) != static_cast<int>(p->rows.size())) __builtin_trap();
        return s;
    }();
    return now;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = csv::to_utf8(std::string_view(reinterpret_cast<const char*>(data), size));
    auto planned = file::plan(text, state(), day("2026-09-01"));
    const auto* plan = std::get_if<file::Plan>(&planned);
    if (!plan) return 0;
    if (plan->rows.size() > static_cast<std::size_t>(file::kMaxRows) || plan->fingerprint.empty()) __builtin_trap();
    for (const auto& row : plan->rows) {
        if ((row.fate == file::RowFate::refused) != !row.issues.empty()) __builtin_trap();
    }
    return 0;
}
