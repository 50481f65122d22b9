// Letters: the username's letter as a PDF, read back with poppler's pdftotext and pdfinfo.
#include "letters/letter.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using mina::letters::Letter;
using mina::letters::write_pdf;

namespace {

constexpr double kPtPerMm = 72.0 / 25.4;

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "mina-letter-test-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

Letter karin(const std::string& lang = "sv") {
    Letter l;
    l.lang = lang;
    l.agency_name = "CSN";
    l.return_lines = {"CSN", "851 82 Sundsvall"};
    l.recipient_name = "Karin Lindh";
    l.school_name = "Komvux Malmö";
    l.address_lines = {"Box 123", "211 22 Malmö"};
    l.username = "kl1021";
    l.date = "2026-11-29";
    l.kiosk_url = "https://mina.example.se/kiosk/forsta-gangen";
    l.school_phone = "0771-276 400";
    l.otp_delay_words = lang == "en" ? "2 days" : "2 dagar";
    return l;
}

/// Runs a poppler tool and returns its stdout; fails the test with a clear reason if the tool is missing.
std::string run(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0].c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        throw std::runtime_error(args[0] + " cannot run (" + std::strerror(rc) +
                                 "): install poppler-utils (scripts/install-deps.sh)");
    }
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(args[0] + " failed on " + args.back());
    return text;
}

std::string pdftotext(const fs::path& pdf) { return run({"pdftotext", "-layout", pdf.string(), "-"}); }

std::string without_space(const std::string& s) {
    std::string out;
    for (const char c : s)
        if (c != ' ' && c != '\n' && c != '\f') out += c;
    return out;
}

/// One word of `pdftotext -bbox`: where poppler found it on the page, in points from the top left.
struct Word {
    std::string text;
    double x0, y0, x1, y1;
};

/// Parses lines like <word xMin="56.69" yMin="136.1" xMax="84.2" yMax="148.2">Karin</word>.
std::vector<Word> words(const fs::path& pdf) {
    const std::string html = run({"pdftotext", "-bbox", pdf.string(), "-"});
    std::vector<Word> out;
    for (auto at = html.find("<word "); at != std::string::npos; at = html.find("<word ", at + 1)) {
        Word w{};
        if (std::sscanf(html.c_str() + at, R"(<word xMin="%lf" yMin="%lf" xMax="%lf" yMax="%lf">)", &w.x0, &w.y0, &w.x1,
                        &w.y1) != 4)
            throw std::runtime_error("unexpected pdftotext -bbox output: " + html.substr(at, 120));
        const auto open = html.find('>', at) + 1;
        w.text = html.substr(open, html.find("</word>", open) - open);
        out.push_back(w);
    }
    return out;
}

/// What pdfinfo says of the page count, the page size in points and the title; -1 when it says nothing.
struct PdfInfo {
    int pages = -1;
    double width = -1, height = -1;
    std::string title;
};

PdfInfo pdfinfo(const fs::path& pdf) {
    const std::string text = run({"pdfinfo", pdf.string()});
    PdfInfo info;
    std::size_t from = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; from = nl + 1, nl = text.find('\n', from)) {
        const std::string line = text.substr(from, nl - from);
        if (line.rfind("Pages:", 0) == 0) (void)std::sscanf(line.c_str(), "Pages: %d", &info.pages);
        if (line.rfind("Page size:", 0) == 0)
            (void)std::sscanf(line.c_str(), "Page size: %lf x %lf", &info.width, &info.height);
        if (line.rfind("Title:", 0) == 0) info.title = line.substr(line.find_first_not_of(' ', 6));
    }
    return info;
}

const Word* find_word(const std::vector<Word>& ws, const std::string& text) {
    for (const auto& w : ws)
        if (w.text == text) return &w;
    return nullptr;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

std::string error_of(const Letter& l, const fs::path& path) {
    try {
        write_pdf(l, path.string());
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no exception";
}

// --- content ------------------------------------------------------------------------------------

TEST(LetterPdf, SwedishLetterHasTheRecipientTheUsernameAndWhatToDoNext) {
    TempDir dir;
    const auto pdf = dir.path / "kl1021.pdf";
    write_pdf(karin(), pdf.string());
    const auto text = pdftotext(pdf);
    for (const char* s :
         {"kl1021", "Karin Lindh", "Komvux Malmö", "Box 123", "211 22 Malmö", "851 82 Sundsvall", "2026-11-29",
          "Ditt användarnamn till Mina tjänster", "Lösenordskiosk", "https://mina.example.se/kiosk/forsta-gangen",
          "0771-276 400", "2 dagar", "Ok", "mer än tre gånger", "30 minuter", "Spara det här brevet"})
        EXPECT_NE(text.find(s), std::string::npos) << "missing \"" << s << "\" in:\n" << text;
    EXPECT_EQ(names_in(dir.path), std::vector<std::string>{"kl1021.pdf"}) << "a .tmp was left behind";
}

TEST(LetterPdf, CarriesNoPassword) {
    TempDir dir;
    for (const char* lang : {"sv", "en"}) {
        const auto pdf = dir.path / (std::string(lang) + ".pdf");
        write_pdf(karin(lang), pdf.string());
        const auto text = pdftotext(pdf);
        // "Lösenord:", "lösenord:" and "Engångslösenord:" all end so: no label a password could follow.
        EXPECT_EQ(text.find("ösenord:"), std::string::npos) << text;
        EXPECT_EQ(text.find("ösenord :"), std::string::npos) << text;
        EXPECT_EQ(text.find("assword:"), std::string::npos) << text;
    }
}

TEST(LetterPdf, EnglishLetterIsInEnglish) {
    TempDir dir;
    const auto pdf = dir.path / "en.pdf";
    write_pdf(karin("en"), pdf.string());
    const auto text = pdftotext(pdf);
    for (const char* s : {"Your username for Mina tjänster", "username", "one-time password", "in about 2 days",
                          "kl1021", "Komvux Malmö", "https://mina.example.se/kiosk/forsta-gangen", "0771-276 400",
                          "more than three times", "30 minutes"})
        EXPECT_NE(text.find(s), std::string::npos) << "missing \"" << s << "\" in:\n" << text;
    EXPECT_EQ(text.find("Ditt användarnamn"), std::string::npos) << text;
}

TEST(LetterPdf, AnUnknownLanguageIsSwedish) {
    TempDir dir;
    const auto pdf = dir.path / "x.pdf";
    write_pdf(karin("fi"), pdf.string());
    EXPECT_NE(pdftotext(pdf).find("Ditt användarnamn"), std::string::npos);
}

TEST(LetterPdf, MarkupCharactersInNamesAreText) {
    TempDir dir;
    auto l = karin();
    l.school_name = "Skola <A> & \"B\" 'C'";
    const auto pdf = dir.path / "m.pdf";
    write_pdf(l, pdf.string());
    EXPECT_NE(pdftotext(pdf).find("Skola <A> & \"B\" 'C'"), std::string::npos);
}

// --- issue [9] item 12: who gave the access, the return address, the school's name once ----------

TEST(LetterPdf, TheSchoolsAdministratorOrTheAgencyIsNamedAsWhoGaveTheAccess) {
    TempDir dir;
    const auto text_of = [&](const Letter& l, const std::string& name) {
        const auto pdf = dir.path / name;
        write_pdf(l, pdf.string());
        return without_space(pdftotext(pdf));
    };
    const auto has = [](const std::string& text, const std::string& words) {
        return text.find(without_space(words)) != std::string::npos;
    };
    const auto school_sv = text_of(karin(), "school-sv.pdf");
    EXPECT_TRUE(has(school_sv,
                    "Behörighetsadministratören på Komvux Malmö har gett dig behörighet till CSN:s "
                    "webbtjänster i Mina tjänster."))
        << school_sv;
    auto agency = karin();
    agency.granted_by = mina::letters::GrantedBy::agency;
    const auto agency_sv = text_of(agency, "agency-sv.pdf");
    EXPECT_TRUE(has(agency_sv,
                    "Hej Karin Lindh! CSN har gett dig behörighet till sina webbtjänster i Mina tjänster "
                    "för Komvux Malmö. För att logga in"))
        << agency_sv;
    EXPECT_FALSE(has(agency_sv, "Behörighetsadministratören")) << agency_sv;
    auto agency_en = karin("en");
    agency_en.granted_by = mina::letters::GrantedBy::agency;
    const auto en = text_of(agency_en, "agency-en.pdf");
    EXPECT_TRUE(has(en, "CSN has given you access to its web services in Mina tjänster for Komvux Malmö.")) << en;
    EXPECT_FALSE(has(en, "authorization administrator")) << en;
    EXPECT_TRUE(has(text_of(karin("en"), "school-en.pdf"),
                    "The authorization administrator at Komvux Malmö has given you access"));
}

TEST(LetterPdf, TheReturnAddressIsOneSmallLineAboveTheRecipient) {
    TempDir dir;
    auto l = karin();
    l.return_lines = {"CSN", "Box 4711", "851 82 Sundsvall"};
    const auto pdf = dir.path / "ret.pdf";
    write_pdf(l, pdf.string());
    EXPECT_NE(without_space(pdftotext(pdf)).find("CSN,Box4711,85182Sundsvall"), std::string::npos) << pdftotext(pdf);
    const auto ws = words(pdf);
    const Word* agency = nullptr;
    for (const auto& w : ws)
        if (w.text == "CSN," && w.y0 > 40 * kPtPerMm) agency = &w;  // the one in the window, not the heading
    const Word* box = find_word(ws, "4711,");
    const Word* town = find_word(ws, "Sundsvall");
    const Word* name = find_word(ws, "Karin");
    ASSERT_TRUE(agency && box && town && name);
    EXPECT_NEAR(agency->y0, town->y0, 0.5) << "one line";
    EXPECT_NEAR(box->y0, town->y0, 0.5) << "one line";
    EXPECT_LT(town->y1, name->y0);
    EXPECT_NEAR(name->y0 / kPtPerMm, 48, 1) << "the recipient stays where the window shows it best";
}

TEST(LetterWindow, TheReturnLineNamesTheAgencyOnce) {
    auto l = karin();
    EXPECT_EQ(mina::letters::return_line(l), "CSN, 851 82 Sundsvall");
    l.return_lines = {"CSN", "CSN", "851 82 Sundsvall"};  // the operator wrote the name into the address too
    EXPECT_EQ(mina::letters::return_line(l), "CSN, 851 82 Sundsvall");
    l.return_lines = {"CSN", "CSN Sundsvall, Box 4711", "851 82 Sundsvall"};
    EXPECT_EQ(mina::letters::return_line(l), "CSN Sundsvall, Box 4711, 851 82 Sundsvall");
    l.return_lines = {"CSN"};
    EXPECT_EQ(mina::letters::return_line(l), "CSN");
    l.return_lines.clear();
    EXPECT_EQ(mina::letters::return_line(l), "");
}

TEST(LetterWindow, TheSchoolsNameIsNotRepeatedWhenTheAddressBeginsWithIt) {
    auto l = karin();
    using V = std::vector<std::string>;
    EXPECT_EQ(mina::letters::recipient_lines(l), (V{"Karin Lindh", "Komvux Malmö", "Box 123", "211 22 Malmö"}));
    l.address_lines = {"Komvux Malmö", "Box 123", "211 22 Malmö"};
    EXPECT_EQ(mina::letters::recipient_lines(l), (V{"Karin Lindh", "Komvux Malmö", "Box 123", "211 22 Malmö"}));
    l.address_lines = {"Komvux Malmö, Box 123", "211 22 Malmö"};
    EXPECT_EQ(mina::letters::recipient_lines(l), (V{"Karin Lindh", "Komvux Malmö, Box 123", "211 22 Malmö"}));
    l.address_lines = {"  KOMVUX MALMÖ  ", "211 22 Malmö"};  // as typed into the school's page
    EXPECT_EQ(mina::letters::recipient_lines(l), (V{"Karin Lindh", "  KOMVUX MALMÖ  ", "211 22 Malmö"}));
    l.address_lines = {"Komvux Malmo\u0308 Box 123", "211 22 Malmö"};  // ö as o and a combining diaeresis
    EXPECT_EQ(mina::letters::recipient_lines(l).size(), 3U);
    // Only the whole name: a street named after the school is an address line of its own.
    l.address_lines = {"Komvux Malmögatan 1", "211 22 Malmö"};
    EXPECT_EQ(mina::letters::recipient_lines(l),
              (V{"Karin Lindh", "Komvux Malmö", "Komvux Malmögatan 1", "211 22 Malmö"}));
    l.address_lines = {"Box 123", "Komvux Malmö"};  // the name elsewhere than first: kept as the school wrote it
    EXPECT_EQ(mina::letters::recipient_lines(l).size(), 4U);
    l.school_name.clear();
    EXPECT_EQ(mina::letters::recipient_lines(l), (V{"Karin Lindh", "Box 123", "Komvux Malmö"}));
}

TEST(LetterPdf, AnAddressBeginningWithTheSchoolsNamePrintsTheNameOnce) {
    TempDir dir;
    auto l = karin();
    l.school_name = "Vuxenutbildningen Kungsbacka";
    l.address_lines = {"Vuxenutbildningen Kungsbacka", "Box 5", "434 21 Kungsbacka"};
    const auto pdf = dir.path / "once.pdf";
    write_pdf(l, pdf.string());
    int in_window = 0;
    for (const auto& w : words(pdf))
        if (w.text == "Vuxenutbildningen" && w.y0 >= 40 * kPtPerMm && w.y1 <= 85 * kPtPerMm) ++in_window;
    EXPECT_EQ(in_window, 1) << pdftotext(pdf);
}

TEST(LetterPdf, TheLockRuleFollowsThePolicy) {
    TempDir dir;
    auto l = karin();
    l.max_failed_words = "fem gånger";
    l.lockout_words = "2 timmar";
    const auto pdf = dir.path / "rule.pdf";
    write_pdf(l, pdf.string());
    const auto text = without_space(pdftotext(pdf));
    EXPECT_NE(text.find(without_space("mer än fem gånger blir ditt konto låst i 2 timmar. Efter 2 timmar")),
              std::string::npos)
        << text;
}

TEST(LetterPdf, NamesTheAgencyAsConfiguredNeverCsnByItself) {
    TempDir dir;
    auto l = karin();
    l.agency_name = "UHR";
    l.return_lines = {"UHR, Box 45093, 104 30 Stockholm"};
    const auto pdf = dir.path / "agency.pdf";
    write_pdf(l, pdf.string());
    const auto text = without_space(pdftotext(pdf));
    EXPECT_NE(text.find(without_space("behörighet till UHR:s webbtjänster")), std::string::npos) << text;
    EXPECT_NE(text.find(without_space("e-postmeddelande från UHR")), std::string::npos) << text;
    EXPECT_NE(text.find(without_space("Ring UHR:s skoltelefon")), std::string::npos) << text;
    EXPECT_EQ(text.find("CSN"), std::string::npos) << text;
}

// --- the page -----------------------------------------------------------------------------------

TEST(LetterPdf, IsOneA4Page) {
    TempDir dir;
    const auto pdf = dir.path / "a4.pdf";
    write_pdf(karin(), pdf.string());
    const auto info = pdfinfo(pdf);
    EXPECT_EQ(info.pages, 1);
    EXPECT_NEAR(info.width, 595.276, 0.01);
    EXPECT_NEAR(info.height, 841.89, 0.01);
    EXPECT_EQ(info.title, "Ditt användarnamn till Mina tjänster");
}

TEST(LetterPdf, RecipientSitsInTheEnvelopeWindow) {
    TempDir dir;
    const auto pdf = dir.path / "w.pdf";
    write_pdf(karin(), pdf.string());
    const auto ws = words(pdf);
    // The window: 90 x 45 mm, 20 mm from the left edge and 40 mm from the top.
    for (const char* s : {"Karin", "Komvux", "Box", "211", "Sundsvall"}) {
        const Word* w = find_word(ws, s);
        ASSERT_NE(w, nullptr) << s;
        EXPECT_GE(w->x0, 19.5 * kPtPerMm) << s;
        EXPECT_LE(w->x1, 110 * kPtPerMm) << s;
        EXPECT_GE(w->y0, 40 * kPtPerMm) << s;
        EXPECT_LE(w->y1, 85 * kPtPerMm) << s;
    }
    const Word* name = find_word(ws, "Karin");
    EXPECT_NEAR(name->x0 / kPtPerMm, 20, 1);
    EXPECT_GE(name->y0 / kPtPerMm, 45);
    EXPECT_LE(name->y0 / kPtPerMm, 52);
    const Word* ret = find_word(ws, "Sundsvall");
    EXPECT_LT(ret->y1, name->y0) << "the return lines go above the recipient";
    EXPECT_LT(ret->y1 - ret->y0, name->y1 - name->y0) << "the return lines are smaller";
    EXPECT_GT(find_word(ws, "2026-11-29")->x0, 150 * kPtPerMm) << "the date is at the top right";
}

TEST(LetterPdf, LongTextsWrapAndStayOnThePage) {
    TempDir dir;
    auto l = karin();
    l.kiosk_url = "https://mina.example.se/kiosk/forsta-gangen?" + std::string(150, 'q') + "&slut=1";
    l.school_name = "Kommunal vuxenutbildning i Malmö, Centrum för yrkesutbildning och svenska för invandrare";
    const auto pdf = dir.path / "long.pdf";
    write_pdf(l, pdf.string());
    EXPECT_NE(without_space(pdftotext(pdf)).find(without_space(l.kiosk_url)), std::string::npos);
    EXPECT_EQ(pdfinfo(pdf).pages, 1);
    for (const auto& w : words(pdf)) {
        EXPECT_GE(w.x0, 19 * kPtPerMm) << w.text;
        EXPECT_LE(w.x1, 191 * kPtPerMm) << w.text;
        EXPECT_LE(w.y1, 282 * kPtPerMm) << w.text;
    }
}

TEST(LetterPdf, AnAddressTooLongForTheWindowIsRefused) {
    TempDir dir;
    auto l = karin();
    l.address_lines = std::vector<std::string>(12, "Rad");
    const auto pdf = dir.path / "tall.pdf";
    EXPECT_NE(error_of(l, pdf).find("does not fit"), std::string::npos) << error_of(l, pdf);
    EXPECT_TRUE(names_in(dir.path).empty());
}

// --- refusals and the file ----------------------------------------------------------------------

TEST(LetterPdf, MissingDirectoryThrowsAndLeavesNoFile) {
    TempDir dir;
    const auto pdf = dir.path / "no-such-dir" / "kl1021.pdf";
    const auto error = error_of(karin(), pdf);
    EXPECT_NE(error.find("no-such-dir"), std::string::npos) << error;
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(pdf));
    EXPECT_TRUE(names_in(dir.path).empty());
}

TEST(LetterPdf, RefusesWhatCannotBePostedOrRendered) {
    TempDir dir;
    const auto pdf = dir.path / "bad.pdf";
    auto no_address = karin();
    no_address.address_lines.clear();
    auto no_username = karin();
    no_username.username.clear();
    auto bad_utf8 = karin();
    bad_utf8.recipient_name = "Karin \xC3";
    auto line_break = karin();
    line_break.address_lines[0] = "Box 123\n211 22 Malmö";
    EXPECT_NE(error_of(no_address, pdf).find("postal address"), std::string::npos);
    EXPECT_NE(error_of(no_username, pdf).find("username"), std::string::npos);
    EXPECT_NE(error_of(bad_utf8, pdf).find("UTF-8"), std::string::npos);
    EXPECT_NE(error_of(line_break, pdf).find("control character"), std::string::npos);
    EXPECT_TRUE(names_in(dir.path).empty());
}

TEST(LetterPdf, ReplacesAnOldFileWhole) {
    TempDir dir;
    const auto pdf = dir.path / "kl1021.pdf";
    std::ofstream(pdf) << "old";
    write_pdf(karin(), pdf.string());
    EXPECT_NE(pdftotext(pdf).find("kl1021"), std::string::npos);
    EXPECT_EQ(names_in(dir.path).size(), 1U);
}

TEST(LetterPdf, RendersFromSeveralThreadsAtOnce) {
    TempDir dir;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(4);
    for (std::size_t i = 0; i < errors.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                for (int n = 0; n < 3; ++n)
                    write_pdf(karin(i % 2 ? "en" : "sv"),
                              (dir.path / ("t" + std::to_string(i) + "-" + std::to_string(n) + ".pdf")).string());
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(names_in(dir.path).size(), 12U);
    EXPECT_NE(pdftotext(dir.path / "t3-2.pdf").find("username"), std::string::npos);
}

}  // namespace
