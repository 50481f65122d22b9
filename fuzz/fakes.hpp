// What the harnesses of the report planner and the API body judge against: one school's small fixed
// state in memory (the planner's Source), and numbers "sealed" reversibly (ports::Identities).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/reports/plan.hpp"
#include "core/reports/service.hpp"  // error_codes

namespace mina::fuzz {

inline Date day(std::string_view text) { return parse_date(text).value(); }

class PlainIdentities final : public ports::Identities {
   public:
    std::string lookup_hash(std::string_view canonical) const override { return "h" + std::string(canonical); }
    std::string seal(std::string_view canonical) const override { return "s" + std::string(canonical); }
    std::optional<std::string> open(std::string_view sealed) const override {
        if (sealed.empty()) return std::nullopt;
        return std::string(sealed.substr(1));
    }
};

/// EKO1 (HT26, VT27), a withdrawn GAMMAL, a student 19821105-9954 on HT26 with a study start, and a
/// student with a protected identity on VT27.
class MemorySource final : public reports::Source {
   public:
    MemorySource() {
        using reports::EducationInfo;
        using reports::PeriodInfo;
        eko_ = EducationInfo{7,
                             "EKO1",
                             "Ekonomi",
                             false,
                             {PeriodInfo{70, "HT26", day("2026-08-31"), day("2027-01-17"), studietider::Pace::full},
                              PeriodInfo{71, "VT27", day("2027-01-18"), day("2027-06-06"), studietider::Pace::half}}};
        students_[5] = Student{5, "h198211059954", "s198211059954", "Kim", false, {}};
        students_[6] = Student{6, "h200001012384", "s200001012384", "", true, {}};
        StudentEnrollment e;
        e.id = 9;
        e.school = SchoolCode{"S1"};
        e.student = 5;
        e.education = 7;
        e.period = 70;
        e.plan = reports::Enrollment{reports::Support::studiemedel, day("2026-08-31"), day("2027-01-17"),
                                     studietider::Pace::full};
        e.state = reports::State::active;
        enrollments_[9] = e;
        reports::Event began;
        began.id = 100;
        began.kind = reports::Kind::study_start;
        began.day = day("2026-09-01");
        histories_[9] = {began};
        StudentEnrollment f = e;
        f.id = 10;
        f.student = 6;
        f.period = 71;
        f.plan = reports::Enrollment{reports::Support::studiehjalp, day("2027-01-18"), day("2027-06-06"),
                                     studietider::Pace::half};
        f.state = reports::State::planned;
        enrollments_[10] = f;
    }
    std::optional<Student> student(const std::string& lookup_hash) override {
        for (const auto& [id, s] : students_)
            if (s.lookup_hash == lookup_hash) return s;
        return std::nullopt;
    }
    std::optional<reports::EducationInfo> education(const std::string& code) override {
        if (code == "EKO1") return eko_;
        if (code == "GAMMAL") return reports::EducationInfo{8, "GAMMAL", "Gammal", true, {}};
        return std::nullopt;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t student, std::int64_t period) override {
        for (const auto& [id, e] : enrollments_)
            if (e.student == student && e.period == period) return e;
        return std::nullopt;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t id) override {
        const auto it = enrollments_.find(id);
        if (it == enrollments_.end()) return std::nullopt;
        return it->second;
    }
    std::vector<reports::Event> history(std::int64_t enrollment) override {
        const auto it = histories_.find(enrollment);
        return it == histories_.end() ? std::vector<reports::Event>{} : it->second;
    }

   private:
    reports::EducationInfo eko_;
    std::map<std::int64_t, Student> students_;
    std::map<std::int64_t, StudentEnrollment> enrollments_;
    std::map<std::int64_t, std::vector<reports::Event>> histories_;
};

/// The planner's invariants for a plan of `rows` rows; aborts (a finding) when one fails.
inline void check_plan(const reports::Plan& plan, std::size_t rows) {
    if (plan.rows.size() != rows) __builtin_trap();
    int accepted = 0, refused = 0, duplicates = 0;
    for (const auto& r : plan.rows) {
        if (r.accepted()) ++accepted;
        else if (r.duplicate) ++duplicates;
        else ++refused;
        if (r.refused() && reports::error_codes(r).empty()) __builtin_trap();  // a refusal always says why
        if (r.accepted() && (r.student == 0 || r.enrollment == 0)) __builtin_trap();
    }
    if (accepted != plan.accepted || refused != plan.refused || duplicates != plan.duplicates) __builtin_trap();
}

}  // namespace mina::fuzz
