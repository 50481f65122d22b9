// The audit log in the reader's language (issue [9] §8): every kind and every detail form the code
// writes has words in both catalogs, and a stored detail is shown in words or as it was written.
#include "web/audit_words.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/common/audit.hpp"
#include "web/wording.hpp"

namespace mina::web {
namespace {

const Views& views() {
    static const Views v;
    return v;
}

bool has(const std::string& lang, const std::string& key) { return views().t(lang, key) != key; }

TEST(AuditWords, EveryKindWrittenHasWordsInBothLanguages) {
    std::set<std::string> keys;
    for (const auto kind : audit::kKinds) {
        const std::string key = audit_kind_key(kind);
        EXPECT_TRUE(keys.insert(key).second) << key << " names two kinds";
        for (const std::string lang : {"sv", "en"}) {
            EXPECT_TRUE(has(lang, key)) << "no words for " << kind << " in i18n/" << lang << ".toml (" << key << ")";
            EXPECT_NE(audit_kind_words(views(), lang, kind), kind);
        }
    }
}

TEST(AuditWords, EveryDetailFormHasWordsInBothLanguagesWithItsFields) {
    for (const auto& form : audit::kDetails) {
        const std::string key = audit_detail_key(form.id);
        const auto fields = audit::fields_of(form.text);
        const std::set<std::string> own(fields.begin(), fields.end());
        for (const std::string lang : {"sv", "en"}) {
            ASSERT_TRUE(has(lang, key)) << "no words for the detail \"" << form.text << "\" in i18n/" << lang
                                        << ".toml (" << key << ")";
            const auto said = audit::fields_of(views().t(lang, key));
            EXPECT_EQ(std::set<std::string>(said.begin(), said.end()), own) << key << " in " << lang;
        }
    }
}

TEST(AuditWords, KindsInWordsTheCodeForAKindNoLongerWritten) {
    EXPECT_EQ(audit_kind_key("login.refused_locked"), "audit_kind_login_refused_locked");
    EXPECT_EQ(audit_kind_words(views(), "sv", "login.refused_locked"), "Inloggning nekad: kontot är låst");
    EXPECT_EQ(audit_kind_words(views(), "en", "login.refused_locked"), "Login refused: the account is locked");
    EXPECT_EQ(audit_kind_words(views(), "sv", "login.ok"), "login.ok");
}

TEST(AuditWords, DetailsInWordsFreeTextAsWritten) {
    const auto words = [](const std::string& lang, std::string_view kind, std::string_view detail) {
        return audit_detail_words(views(), lang, kind, detail, time::Zone::stockholm());
    };
    EXPECT_EQ(words("sv", "login.failed", "attempt 4"), "Försök nummer 4");
    EXPECT_EQ(words("en", "login.failed", "attempt 4"), "Attempt number 4");
    EXPECT_EQ(words("sv", "otp.ordered", "unknown username: nothing sent"),
              "Användarnamnet finns inte: inget skickades");
    EXPECT_EQ(words("en", "otp.ordered", "unknown username: nothing sent"), "No such username: nothing was sent");
    // A time as pages show it: Swedish time in a table's form (the lock, 01:47:46 UTC).
    EXPECT_EQ(words("sv", "account.locked", "until 2026-12-07T01:47:46Z"), "Låst till 2026-12-07 02:47");
    EXPECT_EQ(words("en", "account.locked", "until 2026-12-07T01:47:46Z"), "Locked until 2026-12-07 02:47");
    EXPECT_EQ(words("sv", "account.locked", "until tomorrow"), "Låst till tomorrow") << "a time it cannot read";
    // Values the catalogs have words for: a kind of mail, a role, a kind of report, a language.
    EXPECT_EQ(words("sv", "otp.issued", "otp-first, mail 7"), "Första engångslösenordet, e-postmeddelande nummer 7");
    EXPECT_EQ(words("sv", "grant.added", "studietider"), "Studietider och utbildningar");
    EXPECT_EQ(words("sv", "grant.removed", "school-admin"), "Behörighetsadministratör");
    EXPECT_EQ(words("sv", "grant.added", "something-new"), "something-new");
    // A school's form in words, not its code ("hogskola").
    EXPECT_EQ(words("sv", "school.added", "Exempelhögskolan (hogskola)"),
              "Exempelhögskolan, Högskola (som inte är ansluten till Ladok)");
    EXPECT_EQ(words("en", "school.changed", "Demoskolan (gymnasieskola); contact Eva Ek 010-123"),
              "Demoskolan, Upper secondary school. Contact person: Eva Ek 010-123");
    EXPECT_EQ(words("sv", "report.sent", "franvaro-start 2027-01-18"), "Frånvaro, första dagen 2027-01-18");
    EXPECT_EQ(words("en", "preferences.saved", "lang=sv"), "Language: Svenska");
    EXPECT_EQ(words("sv", "preferences.saved", "lang="), "Språk: Som webbläsaren");
    // Anything else as it was written.
    EXPECT_EQ(words("sv", "school.address_set", "Storgatan 1\n123 45 Staden"), "Storgatan 1\n123 45 Staden");
    EXPECT_EQ(words("sv", "login.failed", "attempt four"), "attempt four");
    EXPECT_EQ(words("sv", "login.ok", "attempt 4"), "attempt 4");
    EXPECT_EQ(words("sv", "logout", ""), "");
}

}  // namespace
}  // namespace mina::web
