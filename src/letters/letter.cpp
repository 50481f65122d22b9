#include "letters/letter.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/common/text.hpp"

// Fontconfig links its patterns' arrays by offsets rather than pointers, so LeakSanitizer (like valgrind)
// reports fontconfig's caches as leaked at exit, and with detect_leaks=1 every program that drew a letter
// would fail. Compiled into each such program, and only into sanitizer builds; it hides nothing of ours,
// as we never call fontconfig ourselves.
#if defined(__SANITIZE_ADDRESS__)
#define MINA_LETTERS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MINA_LETTERS_ASAN 1
#endif
#endif
#ifdef MINA_LETTERS_ASAN
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier): LSan's hook
    return "leak:libfontconfig.so\n";
}
#endif

namespace mina::letters {
namespace {

// --- geometry -----------------------------------------------------------------------------------
// Cairo's PDF user unit is the point; the layout is planned in millimetres from the top left corner.

constexpr double kPageWidth = 595.276;  // A4, 210 x 297 mm
constexpr double kPageHeight = 841.89;
constexpr double mm(double v) { return v * 72.0 / 25.4; }

constexpr double kLeft = mm(20);                  // left margin, also the window's text edge
constexpr double kRight = kPageWidth - mm(20);    // right margin
constexpr double kBottom = kPageHeight - mm(15);  // nothing may be drawn below this
constexpr double kTop = mm(15);                   // agency heading and date
// The window of a Swedish C5/E65 envelope with the window on the left: a 90 x 45 mm area. The return
// lines sit at its top, the recipient just below, so both show through the window.
constexpr double kWindowTop = mm(40);
constexpr double kWindowBottom = kWindowTop + mm(45);
constexpr double kWindowWidth = mm(85);  // 90 mm less a margin against the envelope's tolerance
constexpr double kReturnTop = kWindowTop + mm(1);
constexpr double kRecipientTop = mm(48);  // at the latest; lower only if the return lines need it
constexpr double kBodyTop = mm(97);       // below the upper fold of an E65 (A4 in three)
constexpr double kStepIndent = mm(7);     // hanging indent of the numbered steps
constexpr double kUsernameIndent = mm(10);

constexpr const char* kFont = "DejaVu Sans 10";
constexpr const char* kSmall = "DejaVu Sans 7";
constexpr const char* kAgencyFont = "DejaVu Sans Bold 18";
constexpr const char* kHeadingFont = "DejaVu Sans Bold 14";
constexpr const char* kUsernameFont = "DejaVu Sans Mono Bold 16";

// --- ownership of C objects -----------------------------------------------------------------------

struct Free {
    void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
    void operator()(cairo_t* c) const { cairo_destroy(c); }
    void operator()(PangoContext* c) const { g_object_unref(c); }
    void operator()(PangoLayout* l) const { g_object_unref(l); }
    void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
    void operator()(PangoAttrList* a) const { pango_attr_list_unref(a); }
    void operator()(GError* e) const { g_error_free(e); }
    void operator()(char* s) const { g_free(s); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

[[noreturn]] void fail(const std::string& reason) { throw std::runtime_error("letter: " + reason); }

[[noreturn]] void fail_io(const std::string& what, const std::string& path, int err) {
    fail("cannot " + what + " " + path + ": " + std::generic_category().message(err));
}

// --- input --------------------------------------------------------------------------------------

/// Pango refuses invalid UTF-8 with a warning on stderr and draws nothing, and a control character
/// would break the window's line count: both are refused here, with the field's name.
void check_text(const char* field, const std::string& value) {
    if (g_utf8_validate(value.data(), static_cast<gssize>(value.size()), nullptr) == FALSE)
        fail(std::string(field) + " is not valid UTF-8");
    for (const char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            fail(std::string(field) + " contains a control character");
}

void require(const char* field, const std::string& value) {
    if (value.empty()) fail(std::string(field) + " is empty");
}

void validate(const Letter& l) {
    require("agency name", l.agency_name);
    require("recipient name", l.recipient_name);
    require("username", l.username);
    require("kiosk url", l.kiosk_url);
    require("school phone", l.school_phone);
    if (l.address_lines.empty()) fail("no postal address: the letter cannot be posted");
    check_text("lang", l.lang);
    check_text("agency name", l.agency_name);
    check_text("recipient name", l.recipient_name);
    check_text("school name", l.school_name);
    check_text("username", l.username);
    check_text("date", l.date);
    check_text("kiosk url", l.kiosk_url);
    check_text("school phone", l.school_phone);
    check_text("otp delay words", l.otp_delay_words);
    check_text("max failed words", l.max_failed_words);
    check_text("lockout words", l.lockout_words);
    for (const auto& line : l.return_lines) check_text("a return line", line);
    for (const auto& line : l.address_lines) check_text("an address line", line);
}

/// Every value from the caller goes into Pango markup through here, so a "<" or "&" in a name is text.
std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

/// A phone number broken over two lines is easy to misdial.
std::string unbroken(std::string_view s) { return "<span allow_breaks=\"false\">" + esc(s) + "</span>"; }

// --- the words ----------------------------------------------------------------------------------
// From the manual, §2.1 "Logga in första gången" and its OBS. There is no password field in a Letter,
// and none of these texts has room for one: the one-time password only ever travels by email.

struct Words {
    std::string title;    // the PDF's title and the heading
    std::string heading;  // markup, like all below
    std::string greeting;
    std::string intro;
    std::string username_lead;  // the line above the username, which stands alone on its own line
    std::string next;           // when the one-time password comes, and why it must be changed
    std::vector<std::string> steps;
    std::string obs;
    std::string keep;
    std::string questions;
    std::string closing;
};

Words swedish(const Letter& l) {
    const std::string delay = l.otp_delay_words.empty() ? "några dagar" : esc(l.otp_delay_words);
    const std::string school = l.school_name.empty() ? "din skola" : esc(l.school_name);
    const std::string failures = l.max_failed_words.empty() ? "tre gånger" : esc(l.max_failed_words);
    // The agency by its configured name; Swedish writes its genitive "CSN:s" (text::genitive_sv).
    const std::string agency = esc(l.agency_name);
    const std::string agencys = esc(text::genitive_sv(l.agency_name));
    const std::string lockout = l.lockout_words.empty() ? "30 minuter" : esc(l.lockout_words);
    Words w;
    w.title = "Ditt användarnamn till Mina tjänster";
    w.heading = esc(w.title);
    w.greeting = "Hej " + esc(l.recipient_name) + "!";
    // Who gave the access: the agency says so itself when it appointed the person (issue [9] item 12).
    w.intro = (l.granted_by == GrantedBy::agency
                   ? esc(l.agency_name) + " har gett dig behörighet till sina webbtjänster i Mina tjänster" +
                         (l.school_name.empty() ? std::string() : " för " + school) + "."
                   : "Behörighetsadministratören på " + school + " har gett dig behörighet till " + agencys +
                         " webbtjänster i Mina tjänster.") +
              " För att logga in behöver du ett användarnamn och ett lösenord.";
    w.username_lead = "Ditt användarnamn är";
    w.next = "Engångslösenordet får du i ett e-postmeddelande från " + agency + " om ungefär " + delay +
             ". Första gången du loggar in måste du byta engångslösenordet till ett nytt eget lösenord. "
             "Så här gör du:";
    w.steps = {
        "Öppna e-postmeddelandet från " + agency + ". Där finns ditt engångslösenord tillsammans med en länk till " +
            agencys + " Lösenordskiosk.",
        "Klicka på länken i e-postmeddelandet. Den leder till lösenordskiosken, som också finns här:\n" +
            esc(l.kiosk_url),
        ("Skriv in ditt användarnamn i det övre fältet, ditt engångslösenord i det mellersta fältet och tecknen "
         "som visas i bilden i det undre fältet. Tryck på knappen <b>Ok</b>."),
        ("Skapa ett nytt eget lösenord. Skriv in det i det övre fältet och en gång till i det undre fältet. Klicka "
         "på <b>Spara</b> och sedan på <b>AVSLUTA</b> längst upp till höger."),
        "Logga in i Mina tjänster med ditt användarnamn och ditt nya lösenord.",
    };
    w.obs = "<b>OBS!</b> Om du skriver in fel användarnamn eller lösenord mer än " + failures +
            " blir ditt konto låst i " + lockout + ". Efter " + lockout +
            " kan du logga in med rätt användarnamn och lösenord.";
    w.keep =
        "Spara det här brevet. Du behöver ditt användarnamn varje gång du loggar in. Ditt lösenord skickas "
        "aldrig med brev.";
    w.questions = "Har du inte väntat dig det här brevet, eller har du frågor? Ring " + agencys + " skoltelefon på " +
                  unbroken(l.school_phone) + ".";
    w.closing = "Med vänliga hälsningar\n" + esc(l.agency_name);
    return w;
}

Words english(const Letter& l) {
    const std::string delay = l.otp_delay_words.empty() ? "a few days" : esc(l.otp_delay_words);
    const std::string school = l.school_name.empty() ? "your school" : esc(l.school_name);
    const std::string failures = l.max_failed_words.empty() ? "three times" : esc(l.max_failed_words);
    const std::string agency = esc(l.agency_name);
    const std::string lockout = l.lockout_words.empty() ? "30 minutes" : esc(l.lockout_words);
    Words w;
    w.title = "Your username for Mina tjänster";
    w.heading = esc(w.title);
    w.greeting = "Hello " + esc(l.recipient_name) + ",";
    w.intro = (l.granted_by == GrantedBy::agency
                   ? esc(l.agency_name) + " has given you access to its web services in Mina tjänster" +
                         (l.school_name.empty() ? std::string() : " for " + school) + "."
                   : "The authorization administrator at " + school + " has given you access to " + agency +
                         "'s web services in Mina tjänster.") +
              " To log in, you need a username and a password.";
    w.username_lead = "Your username is";
    w.next = "You will get the one-time password in an email from " + agency + " in about " + delay +
             ". The first time you log in, you must change the one-time password to a new password of your "
             "own. This is how:";
    w.steps = {
        "Open the email from " + agency + ". It holds your one-time password and a link to " + agency +
            "'s password kiosk (Lösenordskiosken).",
        "Click the link in the email. It leads to the password kiosk, which is also here:\n" + esc(l.kiosk_url),
        ("Type your username in the top field, your one-time password in the middle field and the characters "
         "shown in the image in the bottom field. Press the <b>Ok</b> button."),
        ("Create a new password of your own. Type it in the top field and once more in the bottom field. Click "
         "<b>Spara</b> (Save) and then <b>AVSLUTA</b> (Exit) at the top right."),
        "Log in to Mina tjänster with your username and your new password.",
    };
    w.obs = "<b>Note:</b> if you type a wrong username or password more than " + failures +
            ", your account is locked for " + lockout + ". After " + lockout +
            " you can log in with the right username and password.";
    w.keep =
        "Keep this letter. You need your username every time you log in. Your password is never sent by "
        "post.";
    w.questions = "If you did not expect this letter, or if you have questions, call " + agency +
                  "'s school phone (Skoltelefon) on " + unbroken(l.school_phone) + ".";
    w.closing = "Kind regards\n" + esc(l.agency_name);
    return w;
}

// --- drawing ------------------------------------------------------------------------------------

/// Parses markup ourselves rather than with pango_layout_set_markup, which only warns on stderr.
Owned<PangoLayout> layout(PangoContext* ctx, const char* font, double width, const std::string& markup,
                          PangoAlignment align = PANGO_ALIGN_LEFT) {
    PangoAttrList* attrs = nullptr;
    char* text = nullptr;
    GError* error = nullptr;
    if (pango_parse_markup(markup.c_str(), -1, 0, &attrs, &text, nullptr, &error) == FALSE) {
        const Owned<GError> e(error);
        fail(std::string("bad markup: ") + (e ? e->message : "unknown error"));
    }
    const Owned<PangoAttrList> owned_attrs(attrs);
    const Owned<char> owned_text(text);

    Owned<PangoLayout> l(pango_layout_new(ctx));
    const Owned<PangoFontDescription> desc(pango_font_description_from_string(font));
    pango_layout_set_font_description(l.get(), desc.get());
    pango_layout_set_width(l.get(), pango_units_from_double(width));
    pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);  // a long URL breaks inside rather than leave the page
    pango_layout_set_alignment(l.get(), align);
    // A hyphen where a URL or a username breaks would be typed in as part of it.
    pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
    pango_layout_set_text(l.get(), text, -1);
    pango_layout_set_attributes(l.get(), attrs);
    return l;
}

double height(PangoLayout* l) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(l, &w, &h);
    return pango_units_to_double(h);
}

/// Places blocks top-down; a block that would cross the bottom margin (or the window's bottom) throws,
/// because a second page or clipped text would be a letter that says less than it should.
class Pen {
   public:
    Pen(cairo_t* cr, PangoContext* ctx) : cr_(cr), ctx_(ctx) {}

    void at(double y, double limit) {
        y_ = y;
        limit_ = limit;
    }
    [[nodiscard]] double y() const { return y_; }

    void block(const char* font, double x, double width, const std::string& markup, double gap_after = 0,
               PangoAlignment align = PANGO_ALIGN_LEFT) {
        const auto l = layout(ctx_, font, width, markup, align);
        draw(l.get(), x);
        y_ += height(l.get()) + gap_after;
    }

    /// A numbered step with a hanging indent: the number in the margin, the text beside it.
    void step(int number, const std::string& markup, double gap_after) {
        const auto num = layout(ctx_, kFont, kStepIndent, std::to_string(number) + ".");
        const auto text = layout(ctx_, kFont, kRight - kLeft - kStepIndent, markup);
        draw(text.get(), kLeft + kStepIndent);
        draw(num.get(), kLeft);
        y_ += std::max(height(num.get()), height(text.get())) + gap_after;
    }

   private:
    void draw(PangoLayout* l, double x) {
        if (y_ + height(l) > limit_) fail("the text does not fit where it must go (one A4 page, envelope window)");
        cairo_move_to(cr_, x, y_);
        pango_cairo_show_layout(cr_, l);
    }

    cairo_t* cr_;
    PangoContext* ctx_;
    double y_ = 0;
    double limit_ = kBottom;
};

void header(Pen& pen, const Letter& l) {
    pen.at(kTop, kWindowTop);
    pen.block(kAgencyFont, kLeft, mm(110), esc(l.agency_name));
    pen.at(kTop + mm(2), kWindowTop);
    pen.block(kFont, kRight - mm(60), mm(60), esc(l.date), 0, PANGO_ALIGN_RIGHT);
}

/// The part that shows through the envelope's window: the return address on one small line, as
/// printed envelopes have it, then the recipient.
void window(Pen& pen, cairo_t* cr, const Letter& l) {
    pen.at(kReturnTop, kWindowBottom);
    if (const std::string ret = return_line(l); !ret.empty()) {
        pen.block(kSmall, kLeft, kWindowWidth, esc(ret), mm(0.8));
        // A hairline under the return line, as on printed envelopes: it keeps the sender apart from the recipient.
        cairo_set_line_width(cr, 0.3);
        cairo_move_to(cr, kLeft, pen.y());
        cairo_line_to(cr, kLeft + mm(60), pen.y());
        cairo_stroke(cr);
    }
    std::string to;
    for (const auto& line : recipient_lines(l)) to += (to.empty() ? "" : "\n") + esc(line);
    pen.at(std::max(kRecipientTop, pen.y() + mm(1.5)), kWindowBottom);
    pen.block(kFont, kLeft, kWindowWidth, to);
}

void body(Pen& pen, const Words& w, const Letter& l) {
    const double width = kRight - kLeft;
    pen.at(kBodyTop, kBottom);
    pen.block(kHeadingFont, kLeft, width, w.heading, mm(5));
    pen.block(kFont, kLeft, width, w.greeting, mm(3));
    pen.block(kFont, kLeft, width, w.intro, mm(3));
    pen.block(kFont, kLeft, width, w.username_lead, mm(1.5));
    pen.block(kUsernameFont, kLeft + kUsernameIndent, width - kUsernameIndent, esc(l.username), mm(4));
    pen.block(kFont, kLeft, width, w.next, mm(2.5));
    for (std::size_t i = 0; i < w.steps.size(); ++i) pen.step(static_cast<int>(i) + 1, w.steps[i], mm(1.5));
    pen.at(pen.y() + mm(2), kBottom);
    pen.block(kFont, kLeft, width, w.obs, mm(3));
    pen.block(kFont, kLeft, width, w.keep, mm(3));
    pen.block(kFont, kLeft, width, w.questions, mm(5));
    pen.block(kFont, kLeft, width, w.closing);
}

void render(cairo_surface_t* surface, const Letter& l, const Words& w) {
    const Owned<cairo_t> cr(cairo_create(surface));
    const Owned<PangoContext> ctx(pango_cairo_create_context(cr.get()));
    // Pango's cairo default is 96 dpi; at 72 a "10" in a font description is 10 pt in the PDF.
    pango_cairo_context_set_resolution(ctx.get(), 72.0);
    cairo_set_source_rgb(cr.get(), 0, 0, 0);

    Pen pen(cr.get(), ctx.get());
    header(pen, l);
    window(pen, cr.get(), l);
    body(pen, w, l);
    cairo_show_page(cr.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
        fail(std::string("cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
}

// --- the file -----------------------------------------------------------------------------------

/// `path.tmp`, written through our own stream so a failed write keeps its errno, and fsynced before the
/// rename so the letter is whole on disk or absent. Removed unless committed.
class TmpFile {
   public:
    explicit TmpFile(std::string path) : path_(std::move(path)) {
        // O_NOFOLLOW: a symlink planted at the .tmp name must not redirect the write.
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd_ < 0) fail_io("create", path_, errno);
    }
    ~TmpFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(path_.c_str());
    }
    TmpFile(const TmpFile&) = delete;
    TmpFile& operator=(const TmpFile&) = delete;
    TmpFile(TmpFile&&) = delete;
    TmpFile& operator=(TmpFile&&) = delete;

    /// A cairo_write_func_t; the first error is kept and every later write refused.
    static cairo_status_t write(void* closure, const unsigned char* data, unsigned int length) {
        auto* self = static_cast<TmpFile*>(closure);
        if (self->error_ != 0) return CAIRO_STATUS_WRITE_ERROR;
        while (length > 0) {
            const ssize_t n = ::write(self->fd_, data, length);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                self->error_ = errno;
                return CAIRO_STATUS_WRITE_ERROR;
            }
            data += n;
            length -= static_cast<unsigned int>(n);
        }
        return CAIRO_STATUS_SUCCESS;
    }

    [[nodiscard]] int error() const { return error_; }
    [[nodiscard]] const std::string& path() const { return path_; }

    void commit(const std::string& final_path) {
        if (error_ != 0) fail_io("write", path_, error_);
        if (::fsync(fd_) != 0) fail_io("sync", path_, errno);
        const int rc = ::close(fd_);
        fd_ = -1;
        if (rc != 0) fail_io("close", path_, errno);
        if (::rename(path_.c_str(), final_path.c_str()) != 0) fail_io("rename", path_, errno);
        committed_ = true;
        sync_dir(final_path);
    }

   private:
    /// Makes the rename durable; some file systems refuse fsync on a directory, which is fine.
    static void sync_dir(const std::string& file) {
        auto dir = std::filesystem::path(file).parent_path();
        if (dir.empty()) dir = ".";
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return;
        (void)::fsync(fd);
        ::close(fd);
    }

    std::string path_;
    int fd_ = -1;
    int error_ = 0;
    bool committed_ = false;
};

void set_metadata(cairo_surface_t* surface, const Letter& l, const Words& w) {
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, w.title.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, l.agency_name.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Mina tjänster");
}

/// `s` compared as a reader would: trimmed, case folded and in one Unicode normal form.
std::string folded(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    s = s.substr(first, s.find_last_not_of(" \t") - first + 1);
    const Owned<char> norm(g_utf8_normalize(s.data(), static_cast<gssize>(s.size()), G_NORMALIZE_DEFAULT_COMPOSE));
    if (!norm) return std::string(s);  // not UTF-8: validate() refuses it before anything is drawn
    const Owned<char> fold(g_utf8_casefold(norm.get(), -1));
    return fold ? std::string(fold.get()) : std::string(s);
}

/// Whether `line` begins with the whole name `name` ("Komvux Malmö, Box 123" with "Komvux Malmö"),
/// not only with a longer word that starts like it ("Komvuxgatan 1" with "Komvux").
bool begins_with_name(std::string_view line, std::string_view name) {
    const std::string l = folded(line);
    const std::string n = folded(name);
    if (n.empty() || !l.starts_with(n)) return false;
    if (l.size() == n.size()) return true;
    const gunichar next = g_utf8_get_char_validated(l.c_str() + n.size(), static_cast<gssize>(l.size() - n.size()));
    return next != static_cast<gunichar>(-1) && next != static_cast<gunichar>(-2) && g_unichar_isalnum(next) == FALSE;
}

}  // namespace

std::string return_line(const Letter& l) {
    std::string out;
    for (std::size_t i = 0; i < l.return_lines.size(); ++i) {
        const bool named_next =
            i + 1 < l.return_lines.size() && begins_with_name(l.return_lines[i + 1], l.return_lines[i]);
        if (!named_next) out += (out.empty() ? "" : ", ") + l.return_lines[i];
    }
    return out;
}

std::vector<std::string> recipient_lines(const Letter& l) {
    std::vector<std::string> out{l.recipient_name};
    // A school that writes its name into its postal address would get it twice (issue [9] item 12).
    if (!l.school_name.empty() && (l.address_lines.empty() || !begins_with_name(l.address_lines[0], l.school_name)))
        out.push_back(l.school_name);
    out.insert(out.end(), l.address_lines.begin(), l.address_lines.end());
    return out;
}

void write_pdf(const Letter& letter, const std::string& path) {
    validate(letter);
    const Words words = letter.lang.rfind("en", 0) == 0 ? english(letter) : swedish(letter);

    TmpFile tmp(path + ".tmp");
    {
        // Declared after tmp, so destroyed (and flushed into its descriptor) before tmp closes it.
        const Owned<cairo_surface_t> surface(
            cairo_pdf_surface_create_for_stream(&TmpFile::write, &tmp, kPageWidth, kPageHeight));
        if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
            fail(std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
        set_metadata(surface.get(), letter, words);
        render(surface.get(), letter, words);
        cairo_surface_finish(surface.get());
        if (tmp.error() != 0) fail_io("write", tmp.path(), tmp.error());
        if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
            fail(std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
    }
    tmp.commit(path);
}

}  // namespace mina::letters
