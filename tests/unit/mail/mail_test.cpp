// Mail: the MIME text, the .eml spool, and SMTP delivery against a real server (tests/smtp/sink.py).
#include "mail/mail.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using mina::mail::Fate;
using mina::mail::Message;

namespace {

const std::string kOtpSubject = "Ditt engångslösenord till Mina tjänster – giltigt i 24 timmar för första inloggningen";

Message sample() {
    Message m;
    m.from = "Mina tjänster <noreply@mina.test>";
    m.to = "elev@skolan.test";
    m.subject = kOtpSubject;
    m.text = "Hej!\n\nEngångslösenord: Abc-123\n\nMvh\nMina tjänster\n";
    m.html = "<p>Hej!</p>\n<p>Engångslösenord: <b>Abc-123</b></p>\n";
    return m;
}

std::vector<std::string> crlf_lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (auto e = s.find("\r\n"); e != std::string::npos; e = s.find("\r\n", pos)) {
        out.push_back(s.substr(pos, e - pos));
        pos = e + 2;
    }
    if (pos < s.size()) out.push_back(s.substr(pos));
    return out;
}

std::string headers_of(const std::string& mime) { return mime.substr(0, mime.find("\r\n\r\n") + 2); }

std::string boundary_of(const std::string& mime) {
    const auto b = mime.find("boundary=\"");
    if (b == std::string::npos) return {};
    const auto start = b + 10;
    return mime.substr(start, mime.find('"', start) - start);
}

/// The body of the part with the given Content-Type line, still encoded.
std::string part_body(const std::string& mime, const std::string& type) {
    const auto at = mime.find("Content-Type: " + type);
    if (at == std::string::npos) return {};
    const auto start = mime.find("\r\n\r\n", at) + 4;
    const auto end = mime.find("\r\n--", start);
    return mime.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

int hex(char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }

/// A strict quoted-printable decoder: soft breaks vanish, =XX becomes a byte.
std::string qp_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '=') {
            out += s[i];
        } else if (s.compare(i, 3, "=\r\n") == 0) {
            i += 2;
        } else {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        }
    }
    return out;
}

std::string b64_decode(const std::string& s) {
    static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : s) {
        if (c == '=') break;
        bits = (bits << 6U) | static_cast<unsigned>(kAlphabet.find(c));
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> static_cast<unsigned>(count)) & 0xFFU);
        }
    }
    return out;
}

/// The header's encoded-words decoded and joined; each word must be whole UTF-8 on its own.
std::string decode_words(const std::string& value) {
    std::string out;
    std::size_t pos = 0;
    while ((pos = value.find("=?UTF-8?B?", pos)) != std::string::npos) {
        const auto end = value.find("?=", pos + 10);
        const std::string word = b64_decode(value.substr(pos + 10, end - pos - 10));
        EXPECT_FALSE(word.empty());
        if (!word.empty()) {
            EXPECT_NE(static_cast<unsigned char>(word.front()) & 0xC0U, 0x80U) << "split character";
        }
        out += word;
        pos = end + 2;
    }
    return out;
}

std::string unfolded_header(const std::string& mime, const std::string& name) {
    const auto at = mime.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    std::string value;
    auto pos = at + 2 + name.size() + 2;
    for (;;) {
        const auto e = mime.find("\r\n", pos);
        value += mime.substr(pos, e - pos);
        if (mime[e + 2] != ' ' && mime[e + 2] != '\t') break;
        pos = e + 2;
    }
    return value;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// --- to_mime ------------------------------------------------------------------------------------

TEST(MailMime, CrlfEverywhereAndHeadersPresent) {
    const auto mime = mina::mail::to_mime(sample(), "abc123@mina.test");
    for (std::size_t i = 0; i < mime.size(); ++i) {
        if (mime[i] == '\n') {
            ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << "bare LF at " << i;
        }
        if (mime[i] == '\r') {
            ASSERT_TRUE(i + 1 < mime.size() && mime[i + 1] == '\n') << "bare CR at " << i;
        }
    }
    const auto h = headers_of(mime);
    EXPECT_EQ(h.rfind("Date: ", 0), 0U);
    EXPECT_NE(h.find("\r\nMessage-ID: <abc123@mina.test>\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nTo: elev@skolan.test\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nAuto-Submitted: auto-generated\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nContent-Type: multipart/alternative;"), std::string::npos);
    for (char c : mime) ASSERT_LT(static_cast<unsigned char>(c), 0x80U) << "8-bit byte in the message";
}

TEST(MailMime, DateIsRfc5322) {
    const auto mime = mina::mail::to_mime(sample());
    const auto first = crlf_lines(mime).front();
    ASSERT_EQ(first.rfind("Date: ", 0), 0U) << first;
    const auto date = first.substr(6);
    // "Thu, 01 Jan 2026 12:00:00 +0000"
    ASSERT_EQ(date.size(), 31U) << date;
    EXPECT_EQ(date.substr(3, 2), ", ");
    EXPECT_EQ(date.substr(25), " +0000");
}

TEST(MailMime, RandomMessageIdWhenNoneGiven) {
    const auto a = unfolded_header(mina::mail::to_mime(sample()), "Message-ID");
    const auto b = unfolded_header(mina::mail::to_mime(sample()), "Message-ID");
    EXPECT_NE(a, b);
    EXPECT_EQ(a.front(), '<');
    EXPECT_NE(a.find("@mina>"), std::string::npos) << a;
    EXPECT_GE(a.size(), 20U);
}

TEST(MailMime, NonAsciiSubjectIsEncodedAndFolded) {
    const auto mime = mina::mail::to_mime(sample());
    const auto h = headers_of(mime);
    for (const auto& line : crlf_lines(h)) EXPECT_LE(line.size(), 78U) << line;
    const auto subject = unfolded_header(mime, "Subject");
    EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0U) << subject;
    EXPECT_GT(h.find("\r\n =?UTF-8?B?"), h.find("Subject: ")) << "a long subject must be folded";
    EXPECT_EQ(decode_words(subject), kOtpSubject);
}

TEST(MailMime, NonAsciiDisplayNameIsEncoded) {
    const auto from = unfolded_header(mina::mail::to_mime(sample()), "From");
    EXPECT_EQ(from.rfind("=?UTF-8?B?", 0), 0U) << from;
    EXPECT_EQ(decode_words(from), "Mina tjänster");
    EXPECT_NE(from.find(" <noreply@mina.test>"), std::string::npos) << from;

    auto m = sample();
    m.from = "noreply@mina.test";
    EXPECT_EQ(unfolded_header(mina::mail::to_mime(m), "From"), "noreply@mina.test");
    m.from = "Mina, skolan <noreply@mina.test>";
    EXPECT_EQ(unfolded_header(mina::mail::to_mime(m), "From"), "\"Mina, skolan\" <noreply@mina.test>");
}

TEST(MailMime, AsciiSubjectStaysReadable) {
    auto m = sample();
    m.subject = "Your one-time password";
    EXPECT_EQ(unfolded_header(mina::mail::to_mime(m), "Subject"), "Your one-time password");
}

TEST(MailMime, BothPartsWithTheBoundary) {
    const auto mime = mina::mail::to_mime(sample());
    const auto boundary = boundary_of(mime);
    ASSERT_GE(boundary.size(), 16U);
    const auto body = mime.substr(mime.find("\r\n\r\n") + 4);
    const auto plain = body.find("--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n");
    const auto html = body.find("--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n");
    ASSERT_NE(plain, std::string::npos);
    ASSERT_NE(html, std::string::npos);
    EXPECT_LT(plain, html) << "text/plain must come first";
    EXPECT_NE(body.find("\r\n--" + boundary + "--\r\n"), std::string::npos);
    EXPECT_NE(mime.find("Content-Transfer-Encoding: quoted-printable\r\n\r\nHej!"), std::string::npos);
    EXPECT_NE(boundary_of(mina::mail::to_mime(sample())), boundary) << "the boundary is random";
}

TEST(MailMime, TextOnlyWhenHtmlIsEmpty) {
    auto m = sample();
    m.html.clear();
    const auto mime = mina::mail::to_mime(m);
    EXPECT_EQ(mime.find("multipart"), std::string::npos);
    EXPECT_NE(headers_of(mime).find("\r\nContent-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
    EXPECT_NE(headers_of(mime).find("\r\nContent-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
    EXPECT_EQ(mime.find("text/html"), std::string::npos);
}

TEST(MailMime, QuotedPrintableIsCorrect) {
    auto m = sample();
    m.text = std::string(200, 'x') + "\nå = ä\n.hidden\nFrom here\ntrailing  \n" + std::string(74, 'y') + "ö\n";
    const auto mime = mina::mail::to_mime(m);
    const auto body = part_body(mime, "text/plain");
    for (const auto& line : crlf_lines(body)) EXPECT_LE(line.size(), 76U) << line;
    for (const auto& line : crlf_lines(mime.substr(mime.find("\r\n\r\n")))) EXPECT_LE(line.size(), 76U) << line;
    EXPECT_NE(body.find("xxx=\r\nxxx"), std::string::npos) << "a 200-character line needs soft breaks";
    EXPECT_NE(body.find("=C3=A5 =3D =C3=A4\r\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\r\n=2Ehidden\r\n"), std::string::npos) << "a dot opening a line is encoded";
    EXPECT_NE(body.find("\r\ntrailing =20\r\n"), std::string::npos) << "trailing space is encoded";
    EXPECT_EQ(body.find(" \r\n"), std::string::npos) << "no whitespace before a line end";
    std::string crlf_text;
    for (char c : m.text) crlf_text += c == '\n' ? std::string("\r\n") : std::string(1, c);
    EXPECT_EQ(qp_decode(body), crlf_text);
    EXPECT_EQ(qp_decode(part_body(mime, "text/html")), "<p>Hej!</p>\r\n<p>Engångslösenord: <b>Abc-123</b></p>\r\n");
}

TEST(MailMime, LineBreaksInHeadersAreRejected) {
    for (const char* bad : {"x\r\nBcc: victim@example.se", "x\nBcc: y", "x\rBcc: y"}) {
        auto m = sample();
        m.subject = bad;
        EXPECT_THROW((void)mina::mail::to_mime(m), std::invalid_argument);
        m = sample();
        m.to = std::string("a@b.se") + bad;
        EXPECT_THROW((void)mina::mail::to_mime(m), std::invalid_argument);
        m = sample();
        m.from = std::string("Mina <a@b.se>") + bad;
        EXPECT_THROW((void)mina::mail::to_mime(m), std::invalid_argument);
    }
}

// --- write_spool --------------------------------------------------------------------------------

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "mina-mail-test-XXXXXX").string();
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

TEST(MailSpool, WritesOneWholeEmlFile) {
    TempDir tmp;
    const auto dir = tmp.path / "spool" / "nested";
    const auto path = mina::mail::write_spool(dir.string(), sample());
    EXPECT_EQ(fs::path(path).parent_path(), dir);
    EXPECT_EQ(fs::path(path).extension(), ".eml");
    const auto content = read_file(path);
    EXPECT_EQ(content.rfind("Date: ", 0), 0U);
    EXPECT_NE(content.find("\r\n\r\n"), std::string::npos);
    EXPECT_EQ(decode_words(unfolded_header(content, "Subject")), kOtpSubject);
    EXPECT_NE(qp_decode(part_body(content, "text/plain")).find("Engångslösenord: Abc-123"), std::string::npos);

    const auto second = mina::mail::write_spool(dir.string(), sample());
    EXPECT_NE(second, path);
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        EXPECT_EQ(e.path().extension(), ".eml") << "left behind: " << e.path();
        ++files;
    }
    EXPECT_EQ(files, 2);
}

TEST(MailSpool, ThrowsWhenTheDirectoryCannotBeMade) {
    TempDir tmp;
    std::ofstream(tmp.path / "file") << "x";
    EXPECT_THROW((void)mina::mail::write_spool((tmp.path / "file" / "spool").string(), sample()), std::runtime_error);
}

// --- send_smtp against tests/smtp/sink.py -------------------------------------------------------

fs::path sink_script() {
    if (const char* src = std::getenv("MINA_SOURCE_DIR")) return fs::path(src) / "tests" / "smtp" / "sink.py";
    for (auto dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / "tests" / "smtp" / "sink.py")) return dir / "tests" / "smtp" / "sink.py";
        if (dir == dir.parent_path()) break;
    }
    return {};
}

/// The real SMTP server of the tests, on a free port, storing into a temporary directory.
class Sink {
   public:
    Sink() {
        const auto script = sink_script();
        if (script.empty()) throw std::runtime_error("tests/smtp/sink.py not found: set MINA_SOURCE_DIR");
        if (access("/usr/bin/python3", X_OK) != 0)
            throw std::runtime_error("/usr/bin/python3 is missing: run scripts/install-deps.sh (python3-aiosmtpd)");
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        posix_spawn_file_actions_addopen(&fa, 2, (dir_.path / "sink.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::string py = "/usr/bin/python3", s = script.string(), d = (dir_.path / "mail").string();
        std::string port_flag = "--port", zero = "0", dir_flag = "--dir";
        std::vector<char*> argv = {py.data(),       s.data(), port_flag.data(), zero.data(),
                                   dir_flag.data(), d.data(), nullptr};
        const int rc = posix_spawn(&pid_, py.c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        if (rc != 0) {
            close(out[0]);
            throw std::runtime_error("cannot start /usr/bin/python3");
        }
        port_ = read_port(out[0]);
        close(out[0]);
        if (port_ == 0) {
            stop();
            throw std::runtime_error("sink.py did not start (is python3-aiosmtpd installed?): " +
                                     read_file(dir_.path / "sink.log"));
        }
    }
    ~Sink() { stop(); }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;

    [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] fs::path mail_dir() const { return dir_.path / "mail"; }
    void set_reply(const std::string& line) const { std::ofstream(mail_dir() / ".reply") << line << "\n"; }
    [[nodiscard]] std::vector<fs::path> stored() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(mail_dir()))
            if (e.path().extension() == ".json") out.push_back(e.path());
        return out;
    }

   private:
    /// Reads stdout until "listening on 127.0.0.1:<port>", for at most 15 s; 0 if it never comes.
    static int read_port(int fd) {
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buf[256];
            const ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) return 0;
            got.append(buf, static_cast<std::size_t>(n));
            const auto at = got.find("listening on 127.0.0.1:");
            if (at != std::string::npos && got.find('\n', at) != std::string::npos)
                return std::stoi(got.substr(at + 23));
        }
        return 0;
    }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    TempDir dir_;
    pid_t pid_ = -1;
    int port_ = 0;
};

/// A port on which nothing listens: bound once by us, then released.
int closed_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

TEST(MailSmtp, DeliversToARealServer) {
    Sink sink;
    const auto r = mina::mail::send_smtp(sink.url(), sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::sent) << r.detail;
    EXPECT_EQ(r.detail.rfind("250", 0), 0U) << r.detail;
    EXPECT_EQ(r.detail.find('\n'), std::string::npos);
    const auto files = sink.stored();
    ASSERT_EQ(files.size(), 1U);
    const auto json = read_file(files.front());
    EXPECT_NE(json.find("\"subject\": \"" + kOtpSubject + "\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"from\": \"Mina tjänster <noreply@mina.test>\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"mail_from\": \"noreply@mina.test\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"elev@skolan.test\""), std::string::npos) << json;
    EXPECT_NE(json.find("Engångslösenord: Abc-123\\n"), std::string::npos) << json;
    EXPECT_NE(json.find("<b>Abc-123</b>"), std::string::npos) << json;
}

TEST(MailSmtp, TemporaryRefusalMeansRetry) {
    Sink sink;
    sink.set_reply("451 Try later");
    const auto r = mina::mail::send_smtp(sink.url(), sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::retry) << r.detail;
    EXPECT_EQ(r.detail, "SMTP 451: 451 Try later");
    EXPECT_TRUE(sink.stored().empty());
}

TEST(MailSmtp, PermanentRefusalMeansFailed) {
    Sink sink;
    sink.set_reply("550 No such user");
    auto r = mina::mail::send_smtp(sink.url(), sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::failed) << r.detail;
    EXPECT_EQ(r.detail, "SMTP 550: 550 No such user");
    sink.set_reply("RCPT 550 No such user");
    r = mina::mail::send_smtp(sink.url(), sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::failed) << r.detail;
    EXPECT_EQ(r.detail, "SMTP 550: 550 No such user");
    EXPECT_TRUE(sink.stored().empty());
}

TEST(MailSmtp, NoServerMeansRetry) {
    const auto r =
        mina::mail::send_smtp("smtp://127.0.0.1:" + std::to_string(closed_port()), sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::retry) << r.detail;
    EXPECT_EQ(r.detail.rfind("cannot connect: ", 0), 0U) << r.detail;
}

TEST(MailSmtp, StartTlsRequiredButNotOfferedIsNotSent) {
    Sink sink;
    const auto r = mina::mail::send_smtp(sink.url() + "?starttls=required", sample(), std::chrono::seconds(10));
    EXPECT_EQ(r.fate, Fate::retry) << r.detail;
    EXPECT_TRUE(sink.stored().empty());
}

TEST(MailSmtp, BadInputFailsWithoutThrowing) {
    auto m = sample();
    m.subject = "a\r\nBcc: x@y";
    auto r = mina::mail::send_smtp("smtp://127.0.0.1:1", m, std::chrono::seconds(1));
    EXPECT_EQ(r.fate, Fate::failed);
    EXPECT_NE(r.detail.find("subject"), std::string::npos) << r.detail;
    r = mina::mail::send_smtp("smtp://127.0.0.1:1?bogus=1", sample(), std::chrono::seconds(1));
    EXPECT_EQ(r.fate, Fate::failed) << r.detail;
}

}  // namespace
