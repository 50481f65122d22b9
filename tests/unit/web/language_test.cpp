// The Swedish a reader sees at once ([9] item 7): the errors the walk-through found, read from the
// catalogs themselves, so that none comes back in a new message. tests/http/language.test.js reads
// the pages as served; docs/GLOSSARY.md has the words.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/text.hpp"
#include "web/mails.hpp"
#include "web/views.hpp"

namespace mina::web {
namespace {

using Catalog = std::map<std::string, std::string, std::less<>>;

// No std::regex here: g++ 12 at -O1 (the ASan build) warns inside libstdc++'s regex.

/// `value` without its {placeholders}.
std::string without_placeholders(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '{') {
            const auto close = value.find('}', i);
            if (close != std::string_view::npos) {
                i = close;
                continue;
            }
        }
        out += value[i];
    }
    return out;
}

bool is_letter_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || u >= 0x80;  // å, ä, ö and the rest of UTF-8
}

/// Does `value` have "{placeholder} <word>" with one of `words` whole after it?
bool count_before(std::string_view value, const std::vector<std::string_view>& words) {
    for (auto close = value.find("} "); close != std::string_view::npos; close = value.find("} ", close + 1)) {
        const auto open = value.rfind('{', close);
        if (open == std::string_view::npos) continue;
        const std::string_view after = value.substr(close + 2);
        for (const auto word : words)
            if (after.starts_with(word) && (after.size() == word.size() || !is_letter_byte(after[word.size()])))
                return true;
    }
    return false;
}

/// Does one of `words` stand inside a sentence: after a space that follows a small letter, a digit or a comma?
bool inside_sentence(std::string_view value, const std::vector<std::string_view>& words) {
    for (const auto word : words)
        for (auto at = value.find(word); at != std::string_view::npos; at = value.find(word, at + 1)) {
            if (at < 2 || value[at - 1] != ' ') continue;
            const char before = value[at - 2];
            const auto u = static_cast<unsigned char>(before);
            if ((before >= 'a' && before <= 'z') || (before >= '0' && before <= '9') || before == ',' || u == 0xA5 ||
                u == 0xA4 || u == 0xB6)  // the last byte of å, ä, ö
                return true;
        }
    return false;
}

const Views& views() {
    static const Views v;
    return v;
}

const Catalog& catalog(std::string_view lang) {
    const auto& cat = views().catalog(lang);
    EXPECT_FALSE(cat.empty()) << "no catalog " << lang;
    return cat;
}

TEST(Language, TheProductsNameHasALowerCaseT) {
    for (const auto* lang : {"sv", "en"})
        for (const auto& [key, value] : catalog(lang))
            EXPECT_EQ(value.find("Mina Tjänster"), std::string::npos) << lang << ": " << key << " = " << value;
}

TEST(Language, TheGlossarysWordsToAvoidAreNotUsed) {
    // docs/GLOSSARY.md names one word for each thing; these are the Swedish words it says not to use
    // (marked † there). A {placeholder} is a name, not a word: {mail_kind} is not "mail".
    const char* const avoid[] = {
        "mejl",                  // e-post, e-postmeddelande, e-postadress
        "mail",                  // the same: mail, e-mail, email, mailadress
        "epost",                 // e-post
        "inloggningsnamn",       // användarnamn
        "användar-id",           // användarnamn
        "användarid",            // användarnamn
        "engångskod",            // engångslösenord
        "tillfälligt lösenord",  // engångslösenord
        "behörighetsansvarig",   // behörighetsadministratör
        "studenten",             // den studerande (also studentens)
        "studenterna",           // de studerande
        "studeranden",           // den studerande
        "matchar",               // stämmer med sökningen
    };
    for (const auto& [key, value] : catalog("sv")) {
        std::string words = without_placeholders(value);
        for (char& c : words)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        for (const char* word : avoid)
            EXPECT_EQ(words.find(word), std::string::npos)
                << key << " = " << value << ": \"" << word << "\" is on docs/GLOSSARY.md's list not to use";
    }
}

TEST(Language, TheAgencysGenitiveIsWrittenAsSwedishDoes) {
    for (const auto& [key, value] : catalog("sv")) {
        EXPECT_EQ(value.find("{agency}s"), std::string::npos) << key << ": use {agency_genitive} (CSN:s)";
        EXPECT_EQ(value.find("CSNs"), std::string::npos) << key;
    }
    EXPECT_EQ(text::genitive_sv("CSN"), "CSN:s");
    EXPECT_EQ(text::genitive_sv("Skolverket"), "Skolverkets");
    EXPECT_EQ(text::genitive_sv("Komvux"), "Komvux");
    EXPECT_EQ(text::genitive_sv("UHR2"), "UHR2:s");
}

TEST(Language, ACountBeforeAWordTakesItsPluralFormFromTheCatalog) {
    // "{n} dagar" outside a message's _other form reads "1 dagar" when n is 1. Counts that are never
    // 1 are named here, with the reason.
    const std::set<std::string, std::less<>> never_one{
        "idm_import_too_many",    // the file limit, thousands
        "st_file_too_many",       // the same
        "sr_file_too_many_rows",  // the same
        "sr_format_max_rows",     // the same
        "sr_conflict_too_short",  // a holiday's minimum length in days, more than one by the rules
    };
    const std::vector<std::string_view> counted{
        "dagar",    "dygn",      "timmar", "minuter",      "sekunder",     "gånger",
        "rader",    "rapporter", "veckor", "studieveckor", "utbildningar", "e-postmeddelanden",
        "personer", "days",      "hours",  "minutes",      "seconds",      "times",
        "rows",     "reports",   "weeks",  "study weeks",  "educations",   "emails",
        "people"};
    for (const auto* lang : {"sv", "en"})
        for (const auto& [key, value] : catalog(lang)) {
            if (key.ends_with("_other") || never_one.contains(key)) continue;
            EXPECT_FALSE(count_before(value, counted)) << lang << ": " << key << " = " << value;
        }
}

TEST(Language, EveryCountedMessageHasBothForms) {
    for (const auto* lang : {"sv", "en"}) {
        const auto cat = catalog(lang);
        for (const auto& [key, value] : cat) {
            if (!key.ends_with("_other") || value.find("{n}") == std::string::npos) continue;  // counted: {n}
            const std::string one = key.substr(0, key.size() - 6) + "_one";
            EXPECT_TRUE(cat.contains(one)) << lang << ": " << key << " without " << one;
        }
    }
}

TEST(Language, ViewsChooseTheFormByTheLanguagesRules) {
    const Views& views = web::views();
    EXPECT_EQ(views.t_count("sv", "sr_file_saved", 1), "Filen är sparad: 1 rapport.");
    EXPECT_EQ(views.t_count("sv", "sr_file_saved", 21), "Filen är sparad: 21 rapporter.");
    EXPECT_EQ(views.t_count("sv", "sr_file_saved", 0), "Filen är sparad: 0 rapporter.");
    EXPECT_EQ(views.t_count("en", "sr_file_saved", 1), "The file is saved: 1 report.");
    EXPECT_EQ(views.t_count("sv", "times", 1, {{"word", "en"}}), "en gång");
    EXPECT_EQ(views.t_count("sv", "study_weeks", 1), "1 studievecka");
}

TEST(Language, NoCapitalInsideASentence) {
    // Weekdays and months are written in lower case in Swedish; a capital after a comma or a word is a
    // day pasted into a sentence (the school phone's hours).
    const std::vector<std::string_view> days{"Måndag", "Tisdag", "Onsdag",  "Torsdag", "Fredag",
                                             "Lördag", "Söndag", "Januari", "December"};
    for (const auto& [key, value] : catalog("sv")) EXPECT_FALSE(inside_sentence(value, days)) << key;
    EXPECT_TRUE(inside_sentence("ring skoltelefonen 0771-276 400, Måndag–fredag", days)) << "the check itself";
    EXPECT_FALSE(inside_sentence("Telefontid. Måndag–fredag", days));
    EXPECT_TRUE(count_before("Lösenordet är {n} dagar gammalt.", {"dagar"})) << "the check itself";
    EXPECT_FALSE(count_before("Lösenordet är {n} dagarna", {"dagar"}));
    EXPECT_EQ(text::lower_first("Måndag–fredag 9.00–12.00"), "måndag–fredag 9.00–12.00");
    EXPECT_EQ(text::lower_first("Öppet"), "öppet");
}

TEST(Language, TheFirstMailNamesTheAgencyInTheGenitive) {
    SiteConfig site;
    PolicyConfig policy;
    OutboxMail mail;
    mail.kind = MailKind::otp_first;
    mail.lang = "sv";
    Person p;
    p.first_name = "Eva";
    const auto composed = compose_mail(views(), site, time::Zone::stockholm(), policy, mail, p, "abc123");
    EXPECT_NE(composed.text.find("CSN:s webbtjänster"), std::string::npos) << composed.text;
    EXPECT_EQ(composed.text.find("CSNs"), std::string::npos);
}

}  // namespace
}  // namespace mina::web
