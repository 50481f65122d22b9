// The audit trail's vocabulary (issue [9] §8): one list of kinds, one list of detail forms, and
// details read back as the form they were written in.
#include "core/common/audit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace mina::audit {
namespace {

/// A value each field could hold, as the writers fill it.
std::string sample(std::string_view field) {
    if (field == "at") return "2026-12-07T01:47:46Z";
    if (field == "day") return "2027-01-18";
    if (field == "mail_kind") return "otp-first";
    if (field == "lang") return "sv";
    if (field == "role") return "school-admin";
    if (field == "report_kind") return "franvaro-start";
    if (field == "period") return "HIST-1 VT2027 version 2 2027-01-18–2027-06-06";  // holds the next literal
    if (field == "reason") return "Fel datum: rättar 3";
    if (field == "error") return "550 5.1.1 no such user, after 2 attempts: x";
    return "42";
}

TEST(AuditKinds, AreSortedUniqueAndDotted) {
    EXPECT_TRUE(std::is_sorted(kKinds.begin(), kKinds.end()));
    EXPECT_EQ(std::adjacent_find(kKinds.begin(), kKinds.end()), kKinds.end()) << "twice";
    for (const auto k : kKinds) {
        EXPECT_FALSE(k.empty());
        EXPECT_EQ(k.find_first_not_of("abcdefghijklmnopqrstuvwxyz_."), std::string_view::npos) << k;
    }
    static_assert(is_kind("login.refused_locked") && !is_kind("login.ok"));
    constexpr Kind locked = "account.locked";
    static_assert(locked.code() == "account.locked");
}

TEST(AuditDetails, EveryFormHasAUniqueIdKnownKindsAndKnownFields) {
    std::set<std::string_view> ids;
    for (const auto& f : kDetails) {
        EXPECT_TRUE(ids.insert(f.id).second) << f.id << " twice";
        EXPECT_FALSE(f.kinds.empty()) << f.id;
        std::string_view kinds = f.kinds;
        while (!kinds.empty()) {
            const auto space = kinds.find(' ');
            EXPECT_TRUE(is_kind(kinds.substr(0, space))) << f.id << ": " << kinds.substr(0, space);
            if (space == std::string_view::npos) break;
            kinds.remove_prefix(space + 1);
        }
    }
}

TEST(AuditDetails, EveryFormReadsBackAsItselfWithItsValues) {
    for (const auto& f : kDetails) {
        // Each kind the form is written with.
        std::string_view kinds = f.kinds;
        while (!kinds.empty()) {
            const auto space = kinds.find(' ');
            const auto kind = kinds.substr(0, space);
            std::string text(f.text);
            std::vector<std::pair<std::string, std::string>> want;
            for (const auto& name : fields_of(f.text)) {
                const std::string value = sample(name);
                const auto at = text.find("{" + name + "}");
                ASSERT_NE(at, std::string::npos);
                text.replace(at, name.size() + 2, value);
                want.emplace_back(name, value);
            }
            const auto read = read_detail(kind, text);
            ASSERT_TRUE(read) << f.id << " for " << kind << ": " << text;
            EXPECT_EQ(read->form->id, f.id) << text;
            EXPECT_EQ(read->fields, want) << f.id;
            if (space == std::string_view::npos) break;
            kinds.remove_prefix(space + 1);
        }
    }
}

TEST(AuditDetails, SayWritesTheStoredFormAsBefore) {
    // What the log held before the forms were listed is what is written now.
    EXPECT_EQ(say("attempt", {"4"}), "attempt 4");
    EXPECT_EQ(say("unknown_username"), "unknown username");
    EXPECT_EQ(say("order_unknown"), "unknown username: nothing sent");
    EXPECT_EQ(say("locked_until", {"2026-12-07T01:47:46Z"}), "until 2026-12-07T01:47:46Z");
    EXPECT_EQ(say("otp_scheduled", {"2026-12-10T08:00:00Z"}), "first one-time password mailed at 2026-12-10T08:00:00Z");
    EXPECT_EQ(say("import_saved", {"1", "2", "3", "4"}), "1 added, 2 given services, 3 unchanged, 4 refused");
    EXPECT_EQ(say("report_corrects", {"studiestart", "2027-01-18", "12", "Fel datum"}),
              "studiestart 2027-01-18, rättar 12: Fel datum");
    EXPECT_EQ(say("language", {""}), "lang=");
}

TEST(AuditDetails, ReadsOnlyTheFormsOfTheEventsKindAndLeavesFreeTextAlone) {
    const auto attempt = read_detail("login.failed", "attempt 4");
    ASSERT_TRUE(attempt);
    EXPECT_EQ(attempt->form->id, "attempt");
    EXPECT_EQ(attempt->fields, (std::vector<std::pair<std::string, std::string>>{{"n", "4"}}));
    EXPECT_FALSE(read_detail("otp.dead", "attempt 4")) << "not a form of that kind";
    EXPECT_FALSE(read_detail("login.failed", "attempt four")) << "a number is digits";
    EXPECT_FALSE(read_detail("login.failed", "attempt 4 and more"));
    EXPECT_FALSE(read_detail("login.failed", ""));
    EXPECT_FALSE(read_detail("school.address_set", "Storgatan 1")) << "free text";
    EXPECT_FALSE(read_detail("no.such_kind", "attempt 4"));
    // The more particular form wins; a date is a date.
    EXPECT_EQ(read_detail("report.corrected", "studiestart 2027-01-18, rättar 12: Fel")->form->id, "report_corrects");
    EXPECT_EQ(read_detail("report.corrected", "studiestart 2027-01-18")->form->id, "report");
    EXPECT_FALSE(read_detail("report.sent", "studiestart 18/1 2027"));
    EXPECT_EQ(read_detail("report.export", "12 rader, fullständiga personnummer")->form->id, "export_full_numbers");
    EXPECT_EQ(read_detail("report.export", "12 rader")->form->id, "export");
    EXPECT_EQ(read_detail("preferences.saved", "lang=")->fields.front().second, "");
}

}  // namespace
}  // namespace mina::audit
